"""Local stand-ins for Magento's REST API, Odoo's JSON-RPC and an HTTP ERP, faithful to their contracts."""
