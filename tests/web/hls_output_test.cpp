// HlsOutput with real GStreamer: frames through AppSrcSink into x264enc ! h264parse ! hlssink2,
// the playlist read back by ffprobe (frames decoded, size), and the bound on disk use watched
// with inotify while the segments are written: every segment file created and deleted is seen,
// so the most files the directory ever held is exact, not sampled.
// framepipe-test-needs: gst
#include "framepipe/web/hls_output.hpp"

#include <doctest/doctest.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "framepipe/gst/app_src_sink.hpp"
#include "framepipe/gst/network.hpp"
#include "support/case_skip.hpp"
#include "support/gst_test_support.hpp"
#include "support/run_program.hpp"

using namespace framepipe;
using namespace std::chrono_literals;

namespace {

bool have_program(const char* name) {
  return std::system((std::string("command -v ") + name + " >/dev/null 2>&1").c_str()) == 0;
}

/// The segment files of `hls` in its directory now.
std::set<std::string> segments_in(const HlsOutput& hls) {
  std::set<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(hls.directory())) {
    const std::string name = entry.path().filename().string();
    if (name != HlsOutput::kPlaylistName && hls.is_output_file(name)) names.insert(name);
  }
  return names;
}

/// Watches a directory with inotify from its own thread and keeps the largest number of segment
/// files it held at once, from every create and delete in order.
class SegmentCountWatch {
 public:
  explicit SegmentCountWatch(const HlsOutput& hls)
      : hls_(hls), fd_(inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {
    REQUIRE(fd_ >= 0);
    REQUIRE(inotify_add_watch(fd_, hls.directory().c_str(),
                              IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM) >= 0);
    present_ = segments_in(hls);
    most_ = present_.size();
    thread_ = std::thread([this] { run(); });
  }
  SegmentCountWatch(const SegmentCountWatch&) = delete;
  SegmentCountWatch& operator=(const SegmentCountWatch&) = delete;
  ~SegmentCountWatch() {
    stop();
    close(fd_);
  }

  /// Stops watching (reads what is queued first) and returns the most segments seen at once.
  std::size_t stop() {
    if (thread_.joinable()) {
      stopping_ = true;
      thread_.join();
    }
    return most_;
  }
  std::size_t created() const { return created_; }
  std::size_t deleted() const { return deleted_; }

 private:
  void run() {
    while (true) {
      const bool last = stopping_.load();
      pollfd p{fd_, POLLIN, 0};
      poll(&p, 1, 20);
      alignas(inotify_event) char buffer[16384];
      ssize_t n = 0;
      while ((n = read(fd_, buffer, sizeof buffer)) > 0) {
        for (char* at = buffer; at < buffer + n;) {
          const auto* event = reinterpret_cast<const inotify_event*>(at);
          at += sizeof(inotify_event) + event->len;
          if (event->len == 0) continue;
          const std::string name = event->name;
          if (name == HlsOutput::kPlaylistName || !hls_.is_output_file(name)) continue;
          if ((event->mask & (IN_CREATE | IN_MOVED_TO)) != 0) {
            if (present_.insert(name).second) ++created_;
          } else if (present_.erase(name) != 0) {
            ++deleted_;
          }
          most_ = std::max(most_, present_.size());
        }
      }
      if (last) return;
    }
  }

  const HlsOutput& hls_;
  int fd_;
  std::set<std::string> present_;
  std::size_t most_ = 0;
  std::size_t created_ = 0;
  std::size_t deleted_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("HlsOptions out of range are rejected with the reason") {
  CHECK_THROWS_AS(HlsOutput({.segment_duration = 0s}), InvalidArgument);
  CHECK_THROWS_AS(HlsOutput({.playlist_length = 2, .max_files = 10}), InvalidArgument);
  CHECK_THROWS_WITH_AS(HlsOutput({.playlist_length = 4, .max_files = 5}),
                       doctest::Contains("playlist_length + 2"), InvalidArgument);
  CHECK_NOTHROW(HlsOutput({.playlist_length = 4, .max_files = 6}));
  const test::TempDir dir("hls-options");
  CHECK_THROWS_AS(HlsOutput({.directory = dir / "a\"b"}), InvalidArgument);
  CHECK_THROWS_AS(HlsOutput({.directory = dir / "a%db"}), InvalidArgument);
  CHECK_THROWS_AS(HlsOutput({.directory = dir / "a\nb"}), InvalidArgument);
  CHECK_FALSE(std::filesystem::exists(dir / "a\"b"));
}

TEST_CASE("HlsOutput's private directory is 0700 and goes with it; a given one stays") {
  std::filesystem::path made;
  {
    const HlsOutput hls;
    made = hls.directory();
    REQUIRE(std::filesystem::is_directory(made));
    struct stat info {};
    REQUIRE(stat(made.c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0700);
    CHECK(hls.playlist_path() == made / "index.m3u8");
    std::ofstream(made / hls.segment_name(0)) << "x";
    HlsOutput moved = HlsOutput();
    const std::filesystem::path other = moved.directory();
    moved = HlsOutput();  // the directory it held goes at once
    CHECK_FALSE(std::filesystem::exists(other));
  }
  CHECK_FALSE(std::filesystem::exists(made));

  const test::TempDir root("hls-given");
  {
    const HlsOutput hls({.directory = root / "out/live"});
    CHECK(std::filesystem::is_directory(root / "out/live"));
    CHECK(hls.description().find("location=\"" + (root / "out/live").string() + "/segment-" +
                                 hls.token() + "-%05d.ts\"") != std::string::npos);
  }
  CHECK(std::filesystem::is_directory(root / "out/live"));
}

TEST_CASE("HlsOutput names only its own files") {
  const HlsOutput hls;
  const HlsOutput other;
  const std::string& token = hls.token();
  REQUIRE(token.size() == 8);
  CHECK(token.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(other.token() != token);  // 1 in 2^32 that two draws are equal
  CHECK(hls.segment_name(0) == "segment-" + token + "-00000.ts");
  CHECK(hls.segment_name(123456) == "segment-" + token + "-123456.ts");
  CHECK(hls.is_output_file("index.m3u8"));
  CHECK(hls.is_output_file(hls.segment_name(0)));
  CHECK(hls.is_output_file(hls.segment_name(123456)));
  CHECK_FALSE(hls.is_output_file(other.segment_name(0)));
  const std::string seg = "segment-" + token + "-";
  for (const std::string& name :
       {std::string(), std::string("index.m3u"), seg + ".ts", seg + "0a.ts", seg + "00000.ts.tmp",
        "../" + seg + "00000.ts", std::string("/etc/passwd"), seg + "%30.ts", std::string(".."),
        seg + "00000.ts/", "sub/" + seg + "00000.ts", std::string("segment00000.ts"),
        std::string("INDEX.M3U8"), std::string(".goutputstream-ABC123")}) {
    INFO(name);
    CHECK_FALSE(hls.is_output_file(name));
  }
  CHECK(HlsOutput::content_type("index.m3u8") == "application/vnd.apple.mpegurl");
  CHECK(HlsOutput::content_type("segment00001.ts") == "video/mp2t");
}

TEST_CASE("The tee branch is the part after an encode") {
  const HlsOutput hls({.segment_duration = 1s, .playlist_length = 3, .max_files = 5});
  const std::string branch = hls.tee_branch_description();
  CHECK(branch.rfind("queue ! h264parse ! hlssink2 ", 0) == 0);
  CHECK(branch.find(" target-duration=1 playlist-length=3 max-files=4") != std::string::npos);
  // The shared encoder's key frames cut the segments; hlssink2 asks for none of its own.
  CHECK(branch.find(" send-keyframe-requests=false") != std::string::npos);
  // A key frame every segment: 1 s at 30/1 is 30 frames, 2 s at 30000/1001 is 60.
  CHECK(hls.description({30, 1}).find("key-int-max=30 ! h264parse ! hlssink2") !=
        std::string::npos);
  const HlsOutput two({.segment_duration = 2s});
  CHECK(two.description({30000, 1001}).find("key-int-max=60 ") != std::string::npos);
}

TEST_CASE("AppSrcSink into HlsOutput: ffprobe decodes the playlist, old segments are deleted") {
  if (!test::have_element("x264enc") || !test::have_element("hlssink2") ||
      !have_program("ffprobe")) {
    FRAMEPIPE_SKIP_CASE("x264enc (gstreamer1.0-plugins-ugly), hlssink2 (-bad) or ffprobe");
  }
  constexpr Size kSize{320, 240};
  const HlsOutput hls({.segment_duration = 1s, .playlist_length = 3, .max_files = 5});
  SegmentCountWatch watch(hls);
  test::within(120s, [&] {
    AppSrcSink sink(hls.description({30, 1}));
    test::stream_frames(sink, kSize, 300);  // 10 s at 30/1, as fast as the encoder goes
  });
  const std::size_t most = watch.stop();

  // 10 segments of 1 s were made; never more than max_files on disk, the oldest deleted.
  CHECK(watch.created() == 10);
  CHECK(most == 5);  // the bound, reached: deletion is what kept it there
  CHECK(watch.deleted() == 6);
  const std::set<std::string> left = segments_in(hls);
  CHECK(left.size() == 4);  // after the last segment closed, hlssink2 deleted one more
  CHECK(left.count(hls.segment_name(0)) == 0);
  CHECK(left.count(hls.segment_name(9)) == 1);

  const std::string playlist = read_text(hls.playlist_path());
  INFO(playlist);
  CHECK(playlist.find("#EXT-X-TARGETDURATION:1") != std::string::npos);
  CHECK(playlist.find("#EXT-X-MEDIA-SEQUENCE:7") != std::string::npos);
  CHECK(playlist.find(hls.segment_name(9)) != std::string::npos);
  CHECK(playlist.find(hls.segment_name(6)) == std::string::npos);
  CHECK(playlist.find("#EXT-X-ENDLIST") != std::string::npos);  // finish() sent EOS

  // The three listed segments, 90 frames of 320x240, decoded by another implementation.
  const std::string probe = test::output_of(
      "ffprobe -v error -select_streams v:0 -count_frames -show_entries "
      "stream=width,height,nb_read_frames -of default=noprint_wrappers=1 \"" +
      hls.playlist_path().string() + "\"");
  INFO(probe);
  CHECK(probe.find("width=320\n") != std::string::npos);
  CHECK(probe.find("height=240\n") != std::string::npos);
  CHECK(probe.find("nb_read_frames=90\n") != std::string::npos);
}
