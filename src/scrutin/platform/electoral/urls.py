from django.urls import path

app_name = "electoral"
urlpatterns: list[path] = []  # type: ignore[valid-type]
