"""What every stage script stands on: parameters (params.py), atomic single-file outputs (io.py),
the stage runner (stage.py), the project's logs (logs.py), the pinned CPU kernels
(cpu_kernels.py), and the run record of seconds and machine details (run_record.py,
environment.py). The lowest layer: it imports no other subpackage."""
