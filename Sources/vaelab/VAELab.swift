import ArgumentParser
import Foundation
import Lab
import NeuralNet

/// The command line: the shell, `-c`, and the `run`, `check` and `bench` modes.
@main
struct VAELab: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "vaelab",
    abstract: "Learn how a Variational Autoencoder works by computing it.",
    discussion: """
      With no arguments: an interactive shell on a terminal, or the commands read
      from standard input when it is piped. Type 'help' in the shell for commands.
      Exit status: 0 when every command succeeded, 1 when one failed, 64 for a bad command line.
      """,
    subcommands: [Lesson.self, Run.self, Check.self, Export.self, Grade.self, Bench.self])

  @Option(name: .customShort("c"), help: "Run commands (';'-separated; repeatable), print, and exit.")
  var commands: [String] = []

  @OptionGroup var batch: BatchOptions

  /// Where every mode starts: a VAELAB_MEMORY that is not a size is a bad
  /// command line (exit 64), not a budget silently left out of force.
  static func main() {
    if let problem = MemoryBudget.settingProblem() {
      StandardStream.error.write("vaelab: \(problem)\n")
      Self.exit(withError: ExitCode(64))
    }
    main(nil)
  }

  func run() throws {
    Interrupts.install()
    if !commands.isEmpty {
      var runner = Self.batchRunner(keepGoing: batch.keepGoing)
      for (index, line) in commands.enumerated() where runner.shouldContinue {
        runner.run(line: line, file: "-c", number: index + 1)
      }
      try Self.finish(runner)
    } else if isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1 {
      InteractiveShell().run()
    } else {
      try Self.runStandardInput(keepGoing: batch.keepGoing)
    }
  }

  /// Piped mode: `first` (a `lesson` command of `vaelab lesson`), then the lines of standard input.
  static func runStandardInput(keepGoing: Bool, first: String? = nil) throws {
    var runner = Self.batchRunner(keepGoing: keepGoing)
    if let first { runner.run(line: first, file: "<command line>", number: 1) }
    var lineNumber = 0
    var input = InputLines()
    while runner.shouldContinue, let line = input.next() {
      guard runner.shouldContinue else { break }  // Ctrl-C as the line was read: it is not run
      lineNumber += 1
      runner.run(line: line, file: "<stdin>", number: lineNumber)
    }
    // Ctrl-C while waiting for input ends the read early: that run did not finish.
    // (Ctrl-C during a command was reported at the command.)
    if Interrupts.take() && !runner.interruptReported {
      StandardStream.error.write("<stdin>:\(lineNumber + 1): error: interrupted (Ctrl-C)\n")
      throw ExitCode(1)
    }
    try Self.finish(runner)
  }

  /// A runner for what the user types: their own rights, their lessons and progress.
  static func batchRunner(keepGoing: Bool) -> BatchRunner {
    return BatchRunner(
      runner: LessonRunner(session: Session(shouldStop: Interrupts.isRequested), desk: LessonSetup.desk()),
      keepGoing: keepGoing,
      write: { StandardStream.output.write($0) }, writeError: { StandardStream.error.write($0) })
  }

  static func finish(_ runner: BatchRunner) throws {
    if runner.failed { throw ExitCode(1) }
  }
}

/// Options of running commands without a prompt, shared by `vaelab` and
/// `vaelab run` as one group, so that `vaelab run --keep-going` reaches `run`
/// (a flag declared in both separately is taken by the parent).
struct BatchOptions: ParsableArguments {
  @Flag(name: .long, help: "Carry on after a failing command (the exit status is still 1).")
  var keepGoing = false
}

/// How `run` and `check` let a lesson's commands reach files.
struct LessonOptions: ParsableArguments {
  @Flag(
    name: .long,
    help: ArgumentHelp(
      "Give lessons your own rights: their commands read and write files anywhere you can.",
      discussion: """
        Without it a lesson's commands write only into a fresh scratch directory \
        (by relative paths) and read only files in the lesson's own directory or that they wrote.
        """))
  var trust = false

  /// Confined to the lesson's directories, unless `--trust`.
  func files(forLessonAt path: String) throws(LabError) -> FileAccess {
    trust ? .unrestricted : try FileAccess.confined(toLessonAt: path)
  }
}

struct Run: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Run scripts (.vae: a command a line, '#' comments) or lessons (.md), printing their output.")

  @Argument(help: "The files to run, in order.")
  var files: [String]

  @OptionGroup var batch: BatchOptions

  @OptionGroup var lessons: LessonOptions

  func run() throws {
    Interrupts.install()
    var runner = VAELab.batchRunner(keepGoing: batch.keepGoing)
    let catalog = LessonSetup.catalog()
    for file in files where runner.shouldContinue {
      do {
        let text = try FileIO.readText(file)
        if file.hasSuffix(".md") {
          let transcript = try Transcript(parsing: text, name: file)
          let access = try lessons.files(forLessonAt: file)
          try runner.run(transcript: transcript, name: file, files: access, lessons: catalog)
          // The files a lesson wrote are kept for the user to look at; an empty scratch directory is not.
          if let scratch = access.scratchDirectory {
            if access.scratchHoldsFiles {
              StandardStream.error.write("vaelab: the files \(file) wrote are in \(scratch)\n")
            } else {
              access.removeScratch()
            }
          }
        } else {
          runner.run(script: text, name: file)
        }
      } catch {
        StandardStream.error.write("vaelab: error: \(error.message)\n")
        throw ExitCode(1)
      }
    }
    try VAELab.finish(runner)
  }
}

struct Check: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Verify the expected outputs of lessons and saved notebooks; print a diff and exit 1 on a mismatch.")

  @Argument(help: "Markdown files, or directories of them (default: lessons).")
  var paths: [String] = ["lessons"]

  @Flag(name: .long, help: "Rewrite the expected outputs in place with what the commands print now.")
  var update = false

  @OptionGroup var lessons: LessonOptions

  func run() throws {
    Interrupts.install()
    var files: [String] = []
    for path in paths {
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
        StandardStream.error.write("vaelab: error: \(path): no such file or directory\n")
        throw ExitCode(1)
      }
      if isDirectory.boolValue {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        files += entries.filter { $0.hasSuffix(".md") }.sorted().map { path + "/" + $0 }
      } else {
        files.append(path)
      }
    }
    var failed = false
    var commandCount = 0
    var mismatchCount = 0
    var exerciseCount = 0
    var failingExercises = 0
    var updatedCount = 0
    var interrupted = false
    let catalog = LessonSetup.catalog()
    for file in files {
      do {
        let transcript = try Transcript(parsing: try FileIO.readText(file), name: file)
        let access = try lessons.files(forLessonAt: file)
        let result = try TranscriptChecker.check(
          transcript, file: file, files: access, lessons: catalog, shouldStop: Interrupts.isRequested)
        access.removeScratch()
        if let line = result.interruptedAt {
          StandardStream.error.write(
            "\(file):\(line): error: interrupted (Ctrl-C); the check stopped here and wrote nothing\n")
          interrupted = true
          break
        }
        commandCount += result.commandCount
        mismatchCount += result.mismatches.count
        exerciseCount += result.exerciseCount
        let failing = Set(result.exerciseProblems.map(\.id)).count
        failingExercises += failing
        let exercises = result.exerciseCount > 0 ? ", \(result.exerciseCount) exercises" : ""
        if !result.exerciseProblems.isEmpty {
          failed = true
          for problem in result.exerciseProblems { StandardStream.error.write(problem.report + "\n") }
          StandardStream.output.write(
            "FAIL  \(file) (\(failing) of \(result.exerciseCount) exercises fail their own checks)\n")
        }
        if result.mismatches.isEmpty {
          if result.exerciseProblems.isEmpty {
            StandardStream.output.write("ok    \(file) (\(result.commandCount) commands\(exercises))\n")
          }
        } else if update {
          try FileIO.writeAtomically(result.updatedText, to: file)
          updatedCount += result.mismatches.count
          StandardStream.output.write("wrote \(file) (\(result.mismatches.count) outputs updated)\n")
        } else {
          failed = true
          for mismatch in result.mismatches { StandardStream.error.write(mismatch.report + "\n") }
          StandardStream.output.write(
            "FAIL  \(file) (\(result.mismatches.count) of \(result.commandCount) commands differ)\n")
        }
      } catch {
        failed = true
        StandardStream.error.write("vaelab: error: \(error.message)\n")
      }
    }
    if interrupted { throw ExitCode(1) }
    StandardStream.output.write(
      "checked \(files.count) file\(files.count == 1 ? "" : "s"), \(commandCount) commands\(exerciseCount > 0 ? " and \(exerciseCount) exercises (\(failingExercises) failing)" : ""), \(mismatchCount) mismatch\(mismatchCount == 1 ? "" : "es")\(update && mismatchCount > 0 ? " (\(updatedCount == mismatchCount ? "" : "\(updatedCount) of them ")updated)" : "")\n"
    )
    if failed { throw ExitCode(1) }
  }
}

struct Export: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Write a lesson or saved notebook as one self-contained HTML page, its commands run now.")

  @Argument(help: "The lesson or notebook (.md).")
  var file: String

  @Option(name: .long, help: "Where to write the page (default: the file's name with .html).")
  var html: String?

  @Flag(name: .long, help: "Leave the exercises' solutions out (hints stay).")
  var noSolutions = false

  @OptionGroup var lessons: LessonOptions

  func run() throws {
    Interrupts.install()
    let output = html ?? (file.hasSuffix(".md") ? String(file.dropLast(3)) : file) + ".html"
    do {
      let transcript = try Transcript(parsing: try FileIO.readText(file), name: file)
      let access = try lessons.files(forLessonAt: file)
      defer { access.removeScratch() }
      let page = try HTMLExport.page(
        transcript, files: access, solutions: !noSolutions, lessons: LessonSetup.catalog(),
        shouldStop: Interrupts.isRequested)
      if Interrupts.isRequested() {
        StandardStream.error.write("vaelab: error: interrupted (Ctrl-C); \(output) was not written\n")
        throw ExitCode(1)
      }
      // A page beside the lesson is written there only as a file of its own: a
      // symlink planted at that name (by whoever wrote the lesson) is refused.
      try FileIO.writeAtomically(page, to: output, followingSymlink: html != nil)
      StandardStream.output.write("wrote \(output)\n")
    } catch let error as LabError {
      StandardStream.error.write("vaelab: error: \(error.message)\n")
      throw ExitCode(1)
    }
  }
}

struct Bench: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Print performance figures measured on this machine.")

  @Option(help: "Print as text or json.")
  var format: String = "text"

  @Option(help: "Draws per timed run (each figure is the best of five runs).")
  var draws: Int = 20_000_000

  @Option(help: "Only these groups: sampling, grad, vae, bound (repeatable).")
  var only: [String] = []

  func validate() throws {
    guard format == "text" || format == "json" else { throw ValidationError("--format must be text or json") }
    guard (1_000...1_000_000_000).contains(draws) else {
      throw ValidationError("--draws must be from 1000 to 1000000000")
    }
    let names = Benchmarks.Group.allCases.map(\.rawValue)
    for group in only where Benchmarks.Group(rawValue: group) == nil {
      throw ValidationError("--only must be one of \(names.joined(separator: ", ")); got '\(group)'")
    }
  }

  func run() throws {
    let groups = only.isEmpty ? Set(Benchmarks.Group.allCases) : Set(only.compactMap(Benchmarks.Group.init(rawValue:)))
    let output = Output(Benchmarks.Report(figures: Benchmarks.run(count: draws, groups: groups)))
    print(format == "json" ? try output.json(for: .plain).serialized : output.text(for: .plain))
  }
}
