from wagtail import hooks

from api import bench_data

# After the apps' own pages (portal 0 … cases 40): the API lists next to those pages.
hooks.register("portal_bench_urls", bench_data.bench_urls, order=50)
