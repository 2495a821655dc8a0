"""The aiohttp adapters: routes, views, middleware and page rendering."""
