"""Marshmallow schemas: the notification the receiver accepts, and the mappers from Magento records to ERP documents."""
