import ArgumentParser
import Foundation
import Lab

/// Where this process finds lessons and keeps progress.
enum LessonSetup {
  /// The lessons (see `LessonCatalog.defaultDirectory`), or nil when there are
  /// none; a lessons directory that cannot be read is reported.
  static func catalog() -> LessonCatalog? {
    // Linux names the running executable in /proc; the directory search resolves the link.
    let executable =
      FileManager.default.fileExists(atPath: "/proc/self/exe") ? "/proc/self/exe" : CommandLine.arguments[0]
    guard
      let directory = LessonCatalog.defaultDirectory(
        environment: ProcessInfo.processInfo.environment, executable: executable)
    else { return nil }
    do {
      return try LessonCatalog(directory: directory)
    } catch {
      StandardStream.error.write("vaelab: \(error.message)\n")
      return nil
    }
  }

  /// The lessons with the user's progress file.
  static func desk() -> LessonDesk {
    LessonDesk(
      findCatalog: catalog,
      store: LessonProgressStore(
        path: LessonProgressStore.defaultPath(environment: ProcessInfo.processInfo.environment)))
  }
}

struct Lesson: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "List the lessons with your progress, or take one in the shell.",
    discussion: """
      'vaelab lesson' lists the lessons; 'vaelab lesson N [step=K]' starts or
      resumes lesson N in the shell ('lesson reset N' and the rest work as in the
      shell). With standard input piped, the steps are taken from its lines.
      """)

  @Argument(help: "As after 'lesson' in the shell: N, NAME, step=K, reset N, reset all.")
  var words: [String] = []

  func run() throws {
    Interrupts.install()
    let line = (["lesson"] + words.map(Tokenizer.quoted)).joined(separator: " ")
    // A lesson named (not only name=value words such as format=json), and not reset or quit.
    let starts = words.first.map { $0 != "reset" && $0 != "quit" } == true && words.contains { !$0.contains("=") }
    if starts && isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1 {
      InteractiveShell(firstLine: line).run()
    } else if starts {
      try VAELab.runStandardInput(keepGoing: false, first: line)
    } else {
      var runner = VAELab.batchRunner(keepGoing: false)
      runner.run(line: line, file: "<command line>", number: 1)
      try VAELab.finish(runner)
    }
  }
}

struct Grade: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Grade notebooks students saved while taking lessons: each is run again and its answers judged again.")

  @Argument(help: "The notebooks (.md).")
  var files: [String]

  @Option(help: "Print as text, csv or json.")
  var format: String = "text"

  @OptionGroup var lessons: LessonOptions

  func validate() throws {
    guard ["text", "csv", "json"].contains(format) else { throw ValidationError("--format must be text, csv or json") }
  }

  func run() throws {
    Interrupts.install()
    let report = GradeReport.grade(
      files, lessons: LessonSetup.catalog(), confine: { file throws(LabError) in try lessons.files(forLessonAt: file) },
      shouldStop: Interrupts.isRequested)
    switch format {
    case "csv": StandardStream.output.write(report.csv)
    case "json": StandardStream.output.write(report.json + "\n")
    default: StandardStream.output.write(report.text + "\n")
    }
    if report.interrupted || report.hasProblems { throw ExitCode(1) }
  }
}
