"""ERP backends: where mapped documents are written (Odoo over JSON-RPC, or any HTTP ERP)."""
