# Writes python-written.tfevents with TensorBoard's own Python writer (pip package tensorboard
# 2.21.0, in a venv): the file_version event, then scalars "epoch_loss" = 0.5, 0.25 at steps 0, 1
# as simple_value summaries. TensorBoardLogTest reads it with the Java reader, so the Java framing
# and CRCs are checked against an independent implementation.
#   python3 -m venv /tmp/tb && /tmp/tb/bin/pip install tensorboard && /tmp/tb/bin/python make_fixture.py
import glob, os, shutil, tempfile
from tensorboard.compat.proto import event_pb2, summary_pb2
from tensorboard.summary.writer.event_file_writer import EventFileWriter

d = tempfile.mkdtemp()
w = EventFileWriter(d)
for step, v in [(0, 0.5), (1, 0.25)]:
    s = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag="epoch_loss", simple_value=v)])
    w.add_event(event_pb2.Event(wall_time=1700000000.0 + step, step=step, summary=s))
w.close()
shutil.copy(glob.glob(os.path.join(d, "events.out.tfevents.*"))[0],
            os.path.join(os.path.dirname(os.path.abspath(__file__)), "python-written.tfevents"))
