"""Work on a Dask cluster: row-parallel parts run here or on a cluster with the same bytes
(cluster.py), a cluster on this machine's loopback (loopback.py), experiment sweeps (sweep.py)."""
