from django.db import models


class Customer(models.Model):
    name = models.CharField(max_length=200)


class Invoice(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE)
    number = models.CharField(max_length=40)
    total = models.DecimalField(max_digits=12, decimal_places=2)
    status = models.CharField(max_length=20)
    issued_at = models.DateField()
