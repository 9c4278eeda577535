from django.urls import path

from . import views

app_name = "support"
urlpatterns = [
    path("", views.search, name="search"),
    path("electeur/<str:number>/", views.elector, name="elector"),
    path("electeur/<str:number>/renvoi/", views.resend, name="resend"),
    path("contacts/", views.contacts, name="contacts"),
    path("contacts/nouveau/", views.contact_new, name="contact-new"),
    path("contacts.csv", views.export, name="export"),
]
