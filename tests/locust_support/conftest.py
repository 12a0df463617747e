from tests.fixtures.locust_cluster import locust_cluster  # noqa: F401  (fixture)
