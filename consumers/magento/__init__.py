"""Everything that talks to Magento's REST API: the client, searchCriteria, error rendering, record fetching."""
