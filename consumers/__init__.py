"""Consumers: fetch the full record from Magento, map it, upsert it into the ERP; and their clients."""
