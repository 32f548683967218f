"""The "python" peer of bench_mqtt_ingest: a consumer written the way small Python
monitoring apps usually are. paho-mqtt (Debian's python3-paho-mqtt 1.6), json.loads, and a
rolling z-score per series (window 100, a deque and running sums), in plain Python.

    /usr/bin/python3 peer_paho.py PORT TOPIC EXPECTED_MESSAGES

Prints one JSON line when subscribed ({"event": "ready", ...}) and one when it has seen
EXPECTED_MESSAGES, or on SIGTERM ({"event": "done", ...}): messages, samples (one value of one
signal at one time), anomalies, monotonic times of the first and last message, CPU time.
"""

import collections
import json
import math
import os
import signal
import sys
import time

import paho.mqtt.client as mqtt

SIGNALS = ("temperature", "vibration", "rpm")
WINDOW = 100
WARMUP = 20
THRESHOLD = 4.0


class RollingZ:
    """z-score of a value against the previous WINDOW values of its series."""

    __slots__ = ("values", "total", "total_sq")

    def __init__(self):
        self.values = collections.deque()
        self.total = 0.0
        self.total_sq = 0.0

    def update(self, x):
        values = self.values
        n = len(values)
        z = 0.0
        if n >= WARMUP:
            mean = self.total / n
            var = self.total_sq / n - mean * mean
            if var > 0.0:
                z = (x - mean) / math.sqrt(var)
        if n == WINDOW:
            old = values.popleft()
            self.total -= old
            self.total_sq -= old * old
        values.append(x)
        self.total += x
        self.total_sq += x * x
        return z


class Consumer:
    def __init__(self, topic, expected):
        self.topic = topic
        self.expected = expected
        self.messages = 0
        self.samples = 0
        self.anomalies = 0
        self.first = 0.0
        self.last = 0.0
        self.series = {}

    def on_connect(self, client, userdata, flags, rc):
        if rc == 0:
            client.subscribe(self.topic, qos=0)

    def on_subscribe(self, client, userdata, mid, granted_qos):
        report({"event": "ready", "cpu_s": time.process_time()})

    def on_message(self, client, userdata, msg):
        now = time.monotonic()
        if self.messages == 0:
            self.first = now
        doc = json.loads(msg.payload)
        readings = doc if isinstance(doc, list) else [doc]
        for reading in readings:
            for name in SIGNALS:
                key = (msg.topic, name)
                rolling = self.series.get(key)
                if rolling is None:
                    rolling = self.series[key] = RollingZ()
                if abs(rolling.update(float(reading[name]))) > THRESHOLD:
                    self.anomalies += 1
                self.samples += 1
        self.messages += 1
        self.last = time.monotonic()
        if self.messages >= self.expected:
            self.done()
            client.disconnect()

    def done(self):
        report({
            "event": "done",
            "messages": self.messages,
            "samples": self.samples,
            "anomalies": self.anomalies,
            "first_s": self.first,
            "last_s": self.last,
            "cpu_s": time.process_time(),
        })


def report(fields):
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


def main():
    if len(sys.argv) != 4:
        sys.stderr.write("usage: peer_paho.py PORT TOPIC EXPECTED_MESSAGES\n")
        return 2
    port, topic, expected = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    consumer = Consumer(topic, expected)

    def on_term(signum, frame):
        consumer.done()
        os._exit(1)

    signal.signal(signal.SIGTERM, on_term)
    client = mqtt.Client(client_id="mqtt-ingest-python", clean_session=True)
    client.on_connect = consumer.on_connect
    client.on_subscribe = consumer.on_subscribe
    client.on_message = consumer.on_message
    client.connect("127.0.0.1", port, keepalive=60)
    client.loop_forever()
    return 0 if consumer.messages == expected else 1


if __name__ == "__main__":
    sys.exit(main())
