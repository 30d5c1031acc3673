"""Throwaway servers on loopback for the tests and the benchmark (never production):

- processes.py: free ports, waiting for a server, stopping it
- postgres.py:  a PostgreSQL cluster in a temporary directory
- redis.py:     a Redis server in a temporary directory
"""
