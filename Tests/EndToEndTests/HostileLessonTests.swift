import Foundation
import Testing

/// A lesson is data: `vaelab run` and `vaelab check` confine its commands'
/// writes to a scratch directory and its reads to its own directory, unless
/// `--trust` is given (issue 9, defect 1).
@Suite struct HostileLessonTests {
  /// A lesson whose commands each try to write `target` (an absolute path
  /// outside the lesson, or a `..` path).
  static func writingLesson(_ target: String) -> String {
    """
    ```vaelab
    > vae new pinwheel hidden=[8] latent=2 seed=1
    > vae save \(target).safetensors
    > save \(target).md
    > sample 0 1 n=10 svg=\(target)-sample.svg
    > grad sweep "z^2" 0 1 over=mu from=0 to=1 count=3 svg=\(target)-sweep.svg
    ```

    """
  }

  static let writtenSuffixes = [".safetensors", ".md", "-sample.svg", "-sweep.svg"]

  @Test(arguments: ["check", "run"])
  func aLessonWritesNothingOutsideItsScratchDirectory(mode: String) throws {
    let outside = try TemporaryDirectory()
    let lessons = try TemporaryDirectory()
    try lessons.write(Self.writingLesson(outside.path + "/owned"), to: "abs.md")
    try lessons.write(Self.writingLesson("../owned"), to: "up.md")
    for lesson in ["abs.md", "up.md"] {
      let arguments = mode == "run" ? ["run", "--keep-going", lesson] : ["check", "--update", lesson]
      let result = try Binary.run(arguments, directory: lessons.path)
      #expect(result.status == (mode == "run" ? 1 : 0), "\(result.stderr)")
      for suffix in Self.writtenSuffixes {
        #expect(!FileManager.default.fileExists(atPath: outside.path + "/owned" + suffix))
        #expect(!FileManager.default.fileExists(atPath: lessons.path + "/../owned" + suffix))
      }
    }
    let log =
      mode == "run"
      ? try Binary.run(["run", "--keep-going", "abs.md"], directory: lessons.path).stderr
      : try lessons.read("abs.md")
    #expect(
      log.contains(
        "error: cannot write \(outside.path)/owned.safetensors: a lesson writes only into its scratch directory, by relative paths; run it with --trust to give the lesson your own rights"
      ))
  }

  /// `save lesson.md` inside the lesson writes a copy in the scratch directory,
  /// which the user is told of; the lesson itself is untouched.
  @Test func aLessonCannotReplaceItself() throws {
    let directory = try TemporaryDirectory()
    let lesson = "```vaelab\n> kl 2 1\n...\n> save lesson.md\n...\n```\n"
    try directory.write(lesson, to: "lesson.md")
    let result = try Binary.run(["run", "lesson.md"], directory: directory.path)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(try directory.read("lesson.md") == lesson)
    let prefix = "vaelab: the files lesson.md wrote are in "
    #expect(result.stderr.hasPrefix(prefix))
    let scratch = String(result.stderr.dropFirst(prefix.count).dropLast())
    #expect(try String(contentsOfFile: scratch + "/lesson.md", encoding: .utf8).hasPrefix("---\ntitle: vaelab session"))
    try FileManager.default.removeItem(atPath: scratch)
    // check removes its scratch directory; so does a run that wrote nothing. A
    // temporary directory of their own keeps other tests' lessons out of the count.
    let temporary = try TemporaryDirectory()
    let environment = ["TMPDIR": temporary.path]
    #expect(try Binary.run(["check", "lesson.md"], directory: directory.path, environment: environment).status == 0)
    try directory.write("```vaelab\n> kl 2 1\n```\n", to: "quiet.md")
    let quiet = try Binary.run(["run", "quiet.md"], directory: directory.path, environment: environment)
    #expect(quiet.status == 0 && quiet.stderr.isEmpty)
    #expect(try FileManager.default.contentsOfDirectory(atPath: temporary.path).isEmpty)
    // While a run that writes keeps its scratch directory there.
    #expect(try Binary.run(["run", "lesson.md"], directory: directory.path, environment: environment).status == 0)
    #expect(try FileManager.default.contentsOfDirectory(atPath: temporary.path).count == 1)
  }

  /// A file outside the lesson's directory (here a stand-in for /etc/shadow) is
  /// refused by name, and neither the error nor `check --update` carries its bytes;
  /// the lesson's own files and those it wrote are read.
  @Test func aLessonReadsOnlyItsOwnDirectory() throws {
    let outside = try TemporaryDirectory()
    try outside.write("root:*:20000:0:99999:7:::\nsecret,1,2\n", to: "shadow")
    let directory = try TemporaryDirectory()
    try directory.write("x,y\n0.1,0.2\n0.3,0.4\n0.5,0.6\n", to: "points.csv")
    symlink(outside.path + "/shadow", directory.path + "/link")
    let lesson = """
      ```vaelab
      > vae load \(outside.path)/shadow
      > vae new data=../\(URL(fileURLWithPath: outside.path).lastPathComponent)/shadow
      > vae new data=link
      > vae new data=points.csv hidden=[4] latent=1 seed=1
      > vae save m.safetensors
      > vae load m.safetensors
      ```

      """
    try directory.write(lesson, to: "read.md")
    let update = try Binary.run(["check", "--update", "read.md"], directory: directory.path)
    #expect(update.status == 0, "\(update.stderr)")
    let updated = try directory.read("read.md")
    for secret in ["root:", "secret", "3619251681095544690"] { #expect(!updated.contains(secret)) }
    #expect(updated.contains("error: cannot read \(outside.path)/shadow: it lies outside the lesson's directory"))
    #expect(updated.contains("error: cannot read link: it lies outside the lesson's directory"))
    #expect(updated.contains("data points.csv: 2 training and 1 held-out examples"))
    #expect(updated.contains("loaded m.safetensors at step 0"))
  }

  /// `--trust` gives the lesson the user's rights, as a script of theirs has.
  @Test func trustLetsALessonWriteWhereItSays() throws {
    let outside = try TemporaryDirectory()
    let directory = try TemporaryDirectory()
    try directory.write(Self.writingLesson(outside.path + "/mine"), to: "mine.md")
    let result = try Binary.run(["run", "--trust", "mine.md"], directory: directory.path)
    #expect(result.status == 0, "\(result.stderr)")
    for suffix in Self.writtenSuffixes {
      #expect(FileManager.default.fileExists(atPath: outside.path + "/mine" + suffix))
    }
  }

  /// `vaelab run --keep-going` reaches the subcommand (the parent's flag of the
  /// same name used to take it), for scripts and lessons alike.
  @Test(arguments: ["k.vae", "k.md"])
  func runKeepsGoing(file: String) throws {
    let directory = try TemporaryDirectory()
    try directory.write(file.hasSuffix(".md") ? "```vaelab\n> kl 0 -1\n> kl 2 1\n```\n" : "kl 0 -1\nkl 2 1\n", to: file)
    let result = try Binary.run(["run", "--keep-going", file], directory: directory.path)
    #expect(result.status == 1)
    #expect(result.stdout.hasSuffix("= 2.000 nats\n"))
  }
}
