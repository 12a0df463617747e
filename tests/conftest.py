pytest_plugins = ["tests.fixtures.mediators", "tests.fixtures.issuer", "tests.fixtures.locust_cluster",
                  "tests.fixtures.local_run"]
