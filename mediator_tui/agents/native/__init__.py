"""The native engine: a DIDComm v1 wallet in pure Python (PyNaCl for crypto), cooperative with gevent."""
