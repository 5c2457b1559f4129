import Foundation
import Testing

/// An exported page in a real browser: headless Chromium (Debian's `chromium`,
/// which the README's test command installs) loads it without console errors,
/// lays out every figure at a non-zero size, and paints a screenshot that is not
/// blank.
struct BrowserTests {
  static let chromium = "/usr/bin/chromium"

  /// Runs Chromium headless on `page` with `arguments`; its standard output and error.
  static func chromium(_ arguments: [String], page: String) throws -> (stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: chromium)
    process.arguments =
      [
        "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--enable-logging=stderr", "--v=0",
        "--virtual-time-budget=3000",
      ] + arguments + ["file://" + page]
    let (output, error) = (Pipe(), Pipe())
    process.standardOutput = output
    process.standardError = error
    try process.run()
    nonisolated(unsafe) var errorData = Data()
    let group = DispatchGroup()
    DispatchQueue.global().async(group: group) { errorData = error.fileHandleForReading.readDataToEndOfFile() }
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return (String(decoding: outputData, as: UTF8.self), String(decoding: errorData, as: UTF8.self))
  }

  @Test func anExportedLessonRendersInChromium() throws {
    try #require(
      FileManager.default.isExecutableFile(atPath: Self.chromium),
      "headless Chromium is missing: apt-get install -y chromium (the README's test command does)")
    let directory = try TemporaryDirectory()
    let lessons = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("lessons").path
    // Lesson 07 draws a grid of decodes with svg=; exported beside a copy of its checkpoints.
    for file in ["07-latent-space.md", "shapes-2d.safetensors", "shapes-8d.safetensors", "shapes-8d-ae.safetensors"] {
      try FileManager.default.copyItem(atPath: lessons + "/" + file, toPath: directory.path + "/" + file)
    }
    let exported = try Binary.run(["export", "07-latent-space.md", "--html", "page.html"], directory: directory.path)
    #expect(exported.status == 0, "\(exported.stderr)")
    let page = directory.path + "/page.html"
    let html = try String(contentsOfFile: page, encoding: .utf8)
    let figures = html.components(separatedBy: "<figure><svg").count - 1
    #expect(figures >= 1)

    // Loaded: no console error, and every figure laid out at a non-zero size
    // (a copy of the page, without its CSP, reports the sizes in its title, for --dump-dom to read).
    let probe = directory.path + "/probe.html"
    let policy = try #require(html.split(separator: "\n").first { $0.contains("Content-Security-Policy") })
    try html.replacingOccurrences(of: policy + "\n", with: "").replacingOccurrences(
      of: "</body>",
      with: """
        <script>window.addEventListener('load', () => { document.title = 'FIGURES ' + [...document.querySelectorAll('figure svg')].map(s => { const r = s.getBoundingClientRect(); return Math.round(r.width) + 'x' + Math.round(r.height); }).join(' '); });</script></body>
        """
    ).write(toFile: probe, atomically: true, encoding: .utf8)
    let loaded = try Self.chromium(["--dump-dom"], page: probe)
    #expect(!loaded.stderr.contains("CONSOLE") && !loaded.stderr.contains("Uncaught"), "\(loaded.stderr)")
    let title = try #require(loaded.stdout.components(separatedBy: "<title>FIGURES ").dropFirst().first)
    let sizes = title.prefix { $0 != "<" }.split(separator: " ")
    #expect(sizes.count == figures, "\(title)")
    for size in sizes {
      let sides = size.split(separator: "x").compactMap { Int($0) }
      #expect(sides.count == 2 && sides.allSatisfy { $0 > 0 }, "figure size \(size)")
    }

    // Painted: the page's screenshot holds far more than a blank page's of the same size.
    let blank = directory.path + "/blank.html"
    try "<!DOCTYPE html><html><body></body></html>".write(toFile: blank, atomically: true, encoding: .utf8)
    var bytes: [Int] = []
    for (source, shot) in [(page, "page.png"), (blank, "blank.png")] {
      let path = directory.path + "/" + shot
      _ = try Self.chromium(["--window-size=1000,1400", "--screenshot=" + path], page: source)
      bytes.append(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0)
    }
    #expect(bytes[1] > 0 && bytes[0] > 10 * bytes[1], "screenshot sizes \(bytes)")
  }

  /// Issue 26: the lesson folder holds `evil.svg` with a script, and the lesson
  /// writes `d/../evil.svg`; the page must inline what the command drew, and
  /// even a script put into the page by hand must not run under its CSP.
  @Test func noScriptRunsInAnExportedPage() throws {
    try #require(FileManager.default.isExecutableFile(atPath: Self.chromium), "headless Chromium is missing")
    let directory = try TemporaryDirectory()
    try directory.write(
      "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>document.title='OWNED'</script></svg>", to: "evil.svg")
    try FileManager.default.createDirectory(atPath: directory.path + "/d", withIntermediateDirectories: true)
    try directory.write(
      "---\ntitle: Safe\n---\n```vaelab\n> sample 0 1 n=10 show=0 bins=2 svg=d/../evil.svg\n...\n```\n", to: "l.md")
    let exported = try Binary.run(["export", "l.md"], directory: directory.path)
    #expect(exported.status == 0, "\(exported.stderr)")
    let html = try directory.read("l.html")
    let loaded = try Self.chromium(["--dump-dom"], page: directory.path + "/l.html")
    #expect(loaded.stdout.contains("<title>Safe</title>") && !loaded.stdout.contains("OWNED"), "\(loaded.stdout)")
    // A missed escape still cannot run: the CSP blocks an inline script and an outside load.
    try html.replacingOccurrences(
      of: "</body>",
      with: "<script>document.title='OWNED'</script><img src=\"https://example.org/x.png\"></body>"
    ).write(toFile: directory.path + "/tampered.html", atomically: true, encoding: .utf8)
    let tampered = try Self.chromium(["--dump-dom"], page: directory.path + "/tampered.html")
    #expect(tampered.stdout.contains("<title>Safe</title>"), "\(tampered.stdout)")
    #expect(tampered.stderr.contains("Content Security Policy"), "\(tampered.stderr)")
  }
}
