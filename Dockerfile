# The web and worker image (compose.yaml). Static files are collected at build time (WhiteNoise serves them).
FROM python:3.12-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.txt constraints.txt ./
RUN pip install --no-cache-dir -r requirements.txt -c constraints.txt
COPY . .
RUN DJANGO_SETTINGS_MODULE=livinglab.settings.production DJANGO_SECRET_KEY=collectstatic-only-$(head -c 48 /dev/urandom | base64 | tr -d '/+=') \
    DJANGO_ALLOWED_HOSTS=build.invalid STATIC_ROOT=/srv/static python manage.py collectstatic --noinput -v 0
RUN useradd --system --uid 10001 livinglab && mkdir -p /srv/media && chown livinglab /srv/media
USER livinglab
EXPOSE 8000
