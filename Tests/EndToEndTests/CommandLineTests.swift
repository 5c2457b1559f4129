import Foundation
import Testing

/// The binary as scripts and CI use it: -c, pipes, run, check, exit statuses, stderr.
@Suite(.serialized)
struct CommandLineTests {
  @Test func dashCPrintsTheAnswerAndExitsZero() throws {
    let result = try Binary.run(["-c", "kl 2 1"])
    #expect(result.status == 0)
    #expect(result.stderr.isEmpty)
    #expect(
      result.stdout == """
        KL(q || p) for q = N(2, 1^2), p = N(0, 1^2):
          0.5 * (sigma^2 + mu^2 - 1 - log sigma^2)
        = 0.5 * (1.000 + 4.000 - 1 - 0.000)
        = 2.000 nats

        """)
  }

  @Test func statementsAndRepeatedDashCRunInOneSession() throws {
    let result = try Binary.run(["-c", "seed 7; seed", "-c", "set precision=1; kl 0 0.5"])
    #expect(result.status == 0)
    #expect(result.stdout.hasPrefix("seed = 7\nseed = 7\nformat = text, precision = 1\n"))
    #expect(result.stdout.hasSuffix("= 0.3 nats\n"))
  }

  @Test func aFailingCommandStopsWithItsLocationOnStderr() throws {
    let result = try Binary.run(["-c", "kl 2 1; kl 0 -1; seed 3"])
    #expect(result.status == 1)
    #expect(result.stderr == "-c:1: error: sigma must be > 0 (from 1e-100 to 1e100), got -1\n")
    #expect(result.stdout.hasSuffix("= 2.000 nats\n"))
    #expect(!result.stdout.contains("seed = 3"))
  }

  /// In JSON mode every answer is one JSON object, `set format=json` included,
  /// and an error is one JSON object on stderr, with the same exit status as text.
  @Test func jsonModeAnswersAndFailsInJSON() throws {
    let result = try Binary.run([], input: "set format=json\nkl 2 1\nkl 0 -1\n")
    let text = try Binary.run([], input: "kl 2 1\nkl 0 -1\n")
    #expect(result.status == 1 && text.status == 1)
    let lines = result.stdout.split(separator: "\n")
    #expect(lines.count == 2)
    #expect(lines.allSatisfy { $0.hasPrefix("{") && $0.hasSuffix("}") })
    #expect(lines.first == #"{"format":"json","precision":3}"#)
    #expect(
      result.stderr
        == #"{"error":{"message":"sigma must be > 0 (from 1e-100 to 1e100), got -1","argument":"sigma","file":"<stdin>","line":3}}"#
        + "\n")
    let once = try Binary.run(["-c", "kl 1 2 format=json; vae stpe format=json"])
    #expect(once.status == 1)
    #expect(once.stderr.hasPrefix(#"{"error":{"message":"vae has no subcommand 'stpe'; did you mean 'step'?"#))
    #expect(once.stderr.hasSuffix(#""argument":null,"file":"-c","line":1}}"# + "\n"))
  }

  @Test func keepGoingRunsTheRestButStillFails() throws {
    let result = try Binary.run(["--keep-going", "-c", "kl 0 -1", "-c", "seed 3"])
    #expect(result.status == 1)
    #expect(result.stdout == "seed = 3\n")
  }

  @Test func benchRefusesAnUnknownGroupWithTheList() throws {
    let result = try Binary.run(["bench", "--only", "nosuch"])
    #expect(result.status == 64)
    #expect(result.stdout.isEmpty)
    #expect(result.stderr.contains("--only must be one of sampling, grad, vae, bound; got 'nosuch'"))
  }

  @Test(arguments: [["--no-such-flag"], ["run"], ["bench", "--format", "xml"], ["-c"]])
  func aBadCommandLineExits64(arguments: [String]) throws {
    let result = try Binary.run(arguments)
    #expect(result.status == 64)
    #expect(!result.stderr.isEmpty)
  }

  /// Piped input: no banner, no prompt, no echo; errors name the line.
  @Test func pipedInputHasNoPromptAndNamesTheFailingLine() throws {
    let result = try Binary.run([], input: "# a comment\nseed 2\n\nkll 2 1\nseed\n")
    #expect(result.status == 1)
    #expect(result.stdout == "seed = 2\n")
    #expect(result.stderr == "<stdin>:4: error: unknown command 'kll'; did you mean 'kl'? (type 'help' for the list)\n")
  }

  @Test func pipedOutputEqualsDashCOutput() throws {
    let piped = try Binary.run([], input: "sample 1 2 n=300\nkl [0, 1] [1, 2] mc=500\n")
    let dashC = try Binary.run(["-c", "sample 1 2 n=300; kl [0, 1] [1, 2] mc=500"])
    #expect(piped.status == 0)
    #expect(piped.stdout == dashC.stdout)
    #expect(!piped.stdout.contains("vaelab ["))
  }

  /// Ctrl-C (SIGINT) ends a batch run: during a long command, which reports it,
  /// and while waiting for piped input. Either way the run failed: exit 1.
  @Test(arguments: [
    (["-c", "sample n=1000000000; seed 3"], "", "-c:1: error: interrupted (Ctrl-C); nothing was changed\n"),
    (
      ["--keep-going"], "sample n=1000000000\nseed 3\n", "<stdin>:1: error: interrupted (Ctrl-C); nothing was changed\n"
    ),
    ([], "seed 2\n", "<stdin>:2: error: interrupted (Ctrl-C)\n"),
  ])
  func ctrlCEndsABatchRun(arguments: [String], input: String, message: String) throws {
    let running = try Binary.start(arguments)
    let (process, stdin, stdout, stderr) = (running.process, running.stdin, running.stdout, running.stderr)
    stdin.fileHandleForWriting.write(Data(input.utf8))
    try Binary.waitUntilCatchingInterrupts(process.processIdentifier)
    usleep(200_000)
    process.interrupt()
    let deadline = Date().addingTimeInterval(20)
    while process.isRunning && Date() < deadline { usleep(10_000) }
    #expect(!process.isRunning)
    if process.isRunning { process.terminate() }
    process.waitUntilExit()
    #expect(process.terminationStatus == 1)
    #expect(String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) == message)
    let output = String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    #expect(!output.contains("seed = 3"))
  }

  /// Ctrl-C during `check --update` stops the check at the command it was in,
  /// and nothing is written from the cut-short run.
  @Test func ctrlCStopsACheckAndWritesNothing() throws {
    let directory = try TemporaryDirectory()
    let lesson = "```vaelab\n> kl 2 1\nwrong\n> sample n=1000000000\nwrong\n> sample n=1000000000\nwrong\n```\n"
    try directory.write(lesson, to: "slow.md")
    let running = try Binary.start(["check", "--update", directory.path + "/slow.md"])
    try Binary.waitUntilCatchingInterrupts(running.process.processIdentifier)
    usleep(300_000)
    running.process.interrupt()
    let deadline = Date().addingTimeInterval(20)
    while running.process.isRunning && Date() < deadline { usleep(10_000) }
    #expect(!running.process.isRunning)
    if running.process.isRunning { running.process.terminate() }
    running.process.waitUntilExit()
    #expect(running.process.terminationStatus == 1)
    let stderr = String(decoding: running.stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    #expect(
      stderr == "\(directory.path)/slow.md:4: error: interrupted (Ctrl-C); the check stopped here and wrote nothing\n")
    #expect(try directory.read("slow.md") == lesson)
  }

  @Test func runsScriptsAndReportsFileAndLine() throws {
    let directory = try TemporaryDirectory()
    try directory.write("# anchors\nkl 0 1\nkl 2 1\nsample n=0\nkl 1 2\n", to: "anchors.vae")
    let result = try Binary.run(["run", "anchors.vae"], directory: directory.path)
    #expect(result.status == 1)
    #expect(result.stderr == "anchors.vae:4: error: n must be an integer from 1 to 1000000000, got 0\n")
    #expect(result.stdout.components(separatedBy: " nats").count == 3)
    let missing = try Binary.run(["run", "missing.vae"], directory: directory.path)
    #expect(missing.status == 1)
    #expect(missing.stderr == "vaelab: error: cannot read missing.vae: No such file or directory\n")
  }

  @Test func runsLessonsPrintingProseAndOutput() throws {
    let directory = try TemporaryDirectory()
    try directory.write(
      "---\ntitle: t\n---\nThe anchor:\n\n```vaelab\n> kl 2 1\n= 2.000 nats\n```\nDone.\n", to: "l.md")
    let result = try Binary.run(["run", "l.md"], directory: directory.path)
    #expect(result.status == 0)
    #expect(result.stdout.hasPrefix("The anchor:\n\n> kl 2 1\nKL(q || p) for q = N(2, 1^2)"))
    #expect(result.stdout.hasSuffix("= 2.000 nats\nDone.\n"))
  }

  @Test func checkPassesFailsWithADiffAndUpdates() throws {
    let directory = try TemporaryDirectory()
    try directory.write("```vaelab\n> kl 2 1\n...\n= 2.000 nats\n```\n", to: "good.md")
    try directory.write("Prose.\n```vaelab\n> kl 1 2\n...\n= 1.306 nats\n```\n", to: "bad.md")
    let good = try Binary.run(["check", "good.md"], directory: directory.path)
    #expect(good.status == 0)
    #expect(good.stdout == "ok    good.md (1 commands)\nchecked 1 file, 1 commands, 0 mismatches\n")

    let bad = try Binary.run(["check", "."], directory: directory.path)
    #expect(bad.status == 1)
    #expect(bad.stderr.hasPrefix("./bad.md:3: output of 'kl 1 2' differs (- expected, + actual):\n"))
    #expect(bad.stderr.contains("\n- = 1.306 nats\n"))
    #expect(bad.stderr.contains("\n+ = 1.307 nats\n"))
    #expect(bad.stdout.contains("FAIL  ./bad.md (1 of 1 commands differ)"))

    let update = try Binary.run(["check", "--update", "bad.md"], directory: directory.path)
    #expect(update.status == 0)
    let rewritten = try directory.read("bad.md")
    #expect(rewritten.hasPrefix("Prose.\n```vaelab\n> kl 1 2\nKL(q || p) for q = N(1, 2^2), p = N(0, 1^2):\n"))
    #expect(rewritten.hasSuffix("= 1.307 nats\n```\n"))
    #expect(try Binary.run(["check", "bad.md"], directory: directory.path).status == 0)
  }

  @Test func aSavedSessionChecksClean() throws {
    let directory = try TemporaryDirectory()
    let session = try Binary.run(
      [], input: "sample 0 2 n=100 show=1\nkl [0, 1] [1, 1] format=json\nsave s.md\n", directory: directory.path)
    #expect(session.status == 0)
    #expect(session.stdout.hasSuffix("saved 2 commands to s.md (replay: vaelab run s.md; verify: vaelab check s.md)\n"))
    let check = try Binary.run(["check", "s.md"], directory: directory.path)
    #expect(check.status == 0, "\(check.stderr)")
  }

  /// File names of one character, and directories given as files: written, or
  /// refused with an error, never a crash (the session and its model survive).
  @Test func shortNamesAreWrittenAndDirectoriesRefused() throws {
    let directory = try TemporaryDirectory()
    let saved = try Binary.run(
      ["-c", "kl 1 2; save a; vae new pinwheel latent=2 hidden=8 seed=1; vae save m; sample n=10 svg=g"],
      directory: directory.path)
    #expect(saved.status == 0, "\(saved.stderr)")
    #expect(try directory.read("a").hasPrefix("---\ntitle: vaelab session"))
    #expect(try directory.read("g").hasPrefix("<svg"))
    #expect(FileManager.default.fileExists(atPath: directory.path + "/m"))
    for target in [".", "./", "..", directory.path] {
      let refused = try Binary.run(
        ["--keep-going", "-c", "sample n=10 svg=\(target); save \(target); seed"], directory: directory.path)
      #expect(refused.status == 1)
      #expect(refused.stderr.contains("-c:1: error: cannot write \(target): it is a directory, not a file"))
      #expect(refused.stdout.hasSuffix("seed = 0\n"), "the session carries on after \(target)")
    }
  }

  @Test func sampleWritesAnSVG() throws {
    let directory = try TemporaryDirectory()
    let result = try Binary.run(["-c", "sample 2 1 n=1000 svg=z.svg"], directory: directory.path)
    #expect(result.status == 0)
    #expect(result.stdout.hasSuffix("wrote z.svg\n"))
    let svg = try directory.read("z.svg")
    #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
    #expect(svg.components(separatedBy: "<rect x=").count == 17)
    #expect(svg.hasSuffix("</svg>\n"))
  }

  /// The lessons and the README's tour print exactly what they say they print.
  @Test func theShippedLessonsAndTheREADMECheckClean() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent()
    let result = try Binary.run(["check", "lessons", "README.md"], directory: root.path)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.hasSuffix(" 0 mismatches\n"))
  }

  /// A user's own data file (NPY, written here byte by byte), trained on, saved,
  /// loaded back in a new process, and a broken checkpoint refused.
  @Test func vaeOnAUserFileWithCheckpoints() throws {
    let directory = try TemporaryDirectory()
    // 60 examples of 4 uint8 values: NPY version 1.0, header padded to 64 bytes.
    var header = Array("{'descr': '|u1', 'fortran_order': False, 'shape': (60, 4), }".utf8)
    while (10 + header.count + 1) % 64 != 0 { header.append(UInt8(ascii: " ")) }
    header.append(UInt8(ascii: "\n"))
    let values = (0..<240).map { UInt8(($0 * 37) % 256) }
    let npy = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.count), 0] + header + values
    try Data(npy).write(to: URL(fileURLWithPath: directory.path + "/mine.npy"))
    let train = try Binary.run(
      ["-c", "vae new mine.npy latent=2 hidden=8 seed=3; vae step 20; vae save m.safetensors; vae show format=json"],
      directory: directory.path)
    #expect(train.status == 0, "\(train.stderr)")
    #expect(train.stdout.contains("data mine.npy: 54 training and 6 held-out examples of 4 values"))
    let shown = try #require(train.stdout.split(separator: "\n").last)
    let reload = try Binary.run(["-c", "vae load m.safetensors; vae show format=json"], directory: directory.path)
    #expect(reload.status == 0, "\(reload.stderr)")
    let reshown = try #require(reload.stdout.split(separator: "\n").last)
    // The same model evaluates the same; only the loss history stays behind.
    #expect(shown.prefix(while: { $0 != "[" }) == reshown.prefix(while: { $0 != "[" }))
    try Data([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]).write(to: URL(fileURLWithPath: directory.path + "/bad.safetensors"))
    let refused = try Binary.run(["-c", "vae load bad.safetensors"], directory: directory.path)
    #expect(refused.status == 1)
    #expect(
      refused.stderr.hasPrefix(
        "-c:1: error: bad.safetensors was not loaded: it is not a safetensors file: its first 8 bytes"))
  }

  @Test func benchPrintsFiguresAsJSON() throws {
    let result = try Binary.run(["bench", "--format", "json", "--draws", "100000"])
    #expect(result.status == 0)
    #expect(result.stdout.hasPrefix("{\"uniform 64-bit words (xoshiro256**)\":{\"value\":"))
  }
}

/// `vaelab export`: a lesson as a page, written beside it or where `--html` says.
struct ExportTests {
  @Test func writesAPageAndLeavesNoScratchBehind() throws {
    let directory = try TemporaryDirectory()
    let temporary = try TemporaryDirectory()
    let lesson = """
      ---
      title: Export
      ---
      Prose.

      ```vaelab
      > grad sweep z^2 over=n from=10 to=1000 count=3 svg=g.svg
      ...
      ```

      ```exercise
      id: n
      kind: number
      question: Two?
      answer: 2
      solution: two
      ```
      """
    try directory.write(lesson, to: "l.md")
    let environment = ["TMPDIR": temporary.path]
    let result = try Binary.run(["export", "l.md"], directory: directory.path, environment: environment)
    #expect(result.status == 0 && result.stdout == "wrote l.html\n", "\(result.stderr)")
    let page = try directory.read("l.html")
    #expect(page.hasPrefix("<!DOCTYPE html>") && page.contains("<figure><svg") && page.contains("two"))
    #expect(try FileManager.default.contentsOfDirectory(atPath: temporary.path).isEmpty)
    let withheld = try Binary.run(
      ["export", "l.md", "--html", "student.html", "--no-solutions"], directory: directory.path,
      environment: environment)
    #expect(withheld.status == 0)
    #expect(try !directory.read("student.html").contains("two"))
    let missing = try Binary.run(["export", "none.md"], directory: directory.path)
    #expect(missing.status == 1 && missing.stderr.hasPrefix("vaelab: error: cannot read none.md"))
  }
}
