// bench_mqtt_ingest_counter: the "broker" peer of bench_mqtt_ingest. A bare libmosquitto
// subscriber that only counts messages, so that what it measures is the broker's delivery rate.
//
//   bench_mqtt_ingest_counter PORT TOPIC EXPECTED_MESSAGES
//
// Prints one JSON line when subscribed ({"event":"ready",...}) and one when it has seen
// EXPECTED_MESSAGES, or when it gets SIGTERM ({"event":"done",...}): messages, monotonic times of
// the first and last message, and its CPU time (user + system) at each point.
//
// It reads with its own poll() and mosquitto_loop_read() instead of mosquitto_loop_forever(), so
// that it spends no select() call per message: the cheapest receive path libmosquitto offers.
#include <mosquitto.h>
#include <poll.h>
#include <sys/resource.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

namespace {

std::atomic<bool> g_stop{false};

struct Counter {
  std::string topic;
  long long expected = 0;
  long long messages = 0;
  double first_s = 0;
  double last_s = 0;
  bool subscribed = false;
};

double MonotonicSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6;
  };
  return seconds(u.ru_utime) + seconds(u.ru_stime);
}

void OnConnect(mosquitto* client, void* data, int rc) {
  auto* c = static_cast<Counter*>(data);
  if (rc == 0) mosquitto_subscribe(client, nullptr, c->topic.c_str(), 0);
}

void OnSubscribe(mosquitto*, void* data, int, int, const int*) {
  auto* c = static_cast<Counter*>(data);
  c->subscribed = true;
  std::printf("{\"event\":\"ready\",\"cpu_s\":%.6f}\n", CpuSeconds());
  std::fflush(stdout);
}

void OnMessage(mosquitto*, void* data, const mosquitto_message*) {
  auto* c = static_cast<Counter*>(data);
  double now = MonotonicSeconds();
  if (c->messages == 0) c->first_s = now;
  c->last_s = now;
  ++c->messages;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s PORT TOPIC EXPECTED_MESSAGES\n", argv[0]);
    return 2;
  }
  Counter counter;
  counter.topic = argv[2];
  counter.expected = std::atoll(argv[3]);
  std::signal(SIGTERM, [](int) { g_stop = true; });

  mosquitto_lib_init();
  mosquitto* client = mosquitto_new("mqtt-ingest-counter", true, &counter);
  mosquitto_connect_callback_set(client, OnConnect);
  mosquitto_subscribe_callback_set(client, OnSubscribe);
  mosquitto_message_callback_set(client, OnMessage);
  if (mosquitto_connect(client, "127.0.0.1", std::atoi(argv[1]), 60) != MOSQ_ERR_SUCCESS) {
    std::fprintf(stderr, "cannot connect to 127.0.0.1:%s\n", argv[1]);
    return 1;
  }
  int rc = MOSQ_ERR_SUCCESS;
  while (!g_stop && rc == MOSQ_ERR_SUCCESS && counter.messages < counter.expected) {
    pollfd p{mosquitto_socket(client),
             static_cast<short>(POLLIN | (mosquitto_want_write(client) ? POLLOUT : 0)), 0};
    if (poll(&p, 1, 100) > 0) {
      if (p.revents & POLLOUT) rc = mosquitto_loop_write(client, 1);
      // One packet per call: keep reading while packets keep coming.
      long long before = -1;
      while (rc == MOSQ_ERR_SUCCESS && before != counter.messages && counter.messages < counter.expected) {
        before = counter.messages;
        rc = mosquitto_loop_read(client, 1);
      }
    }
    if (rc == MOSQ_ERR_SUCCESS) rc = mosquitto_loop_misc(client);
  }
  std::printf("{\"event\":\"done\",\"messages\":%lld,\"first_s\":%.6f,\"last_s\":%.6f,\"cpu_s\":%.6f}\n",
              counter.messages, counter.first_s, counter.last_s, CpuSeconds());
  std::fflush(stdout);
  mosquitto_disconnect(client);
  mosquitto_destroy(client);
  mosquitto_lib_cleanup();
  return counter.messages == counter.expected ? 0 : 1;
}
