app_name = "pilots"

urlpatterns: list = []
