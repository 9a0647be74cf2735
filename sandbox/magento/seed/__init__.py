"""The Magento sandbox's demo seed: the project's own fixture records, in compact JSON."""
