"""The street office's pages (街道): its key figures, its products, SQL over its room and
its requests for conditional data."""
