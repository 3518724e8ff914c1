"""One router per resource family, each registered in ``opendata.api.ROUTERS``."""
