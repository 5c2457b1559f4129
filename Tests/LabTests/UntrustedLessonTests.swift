import Foundation
import Testing

@testable import Lab

/// Issue 26: a lesson, a notebook or a checkpoint is someone else's file, on
/// every path: the lesson player, export, the terminal, the notebook, and the
/// engine's promise that a failing command changes nothing.
@Suite struct UntrustedLessonTests {
  /// A lessons directory holding `lesson` as 01-hostile.md, and a progress file beside it.
  struct Library {
    let directory: TemporaryDirectory
    let catalog: LessonCatalog
    var progressPath: String { directory.path + "/state/lessons.json" }
    var lessonFiles: String { directory.path + "/state/lesson-files/01-hostile" }

    init(_ lesson: String) throws {
      directory = try TemporaryDirectory()
      try FileManager.default.createDirectory(atPath: directory.path + "/lessons", withIntermediateDirectories: true)
      try lesson.write(toFile: directory.path + "/lessons/01-hostile.md", atomically: true, encoding: .utf8)
      catalog = try LessonCatalog(directory: directory.path + "/lessons")
    }

    func runner() -> LessonRunner {
      LessonRunner(desk: LessonDesk(catalog: catalog, store: LessonProgressStore(path: progressPath)))
    }
  }

  /// A lesson whose first step writes over a file of the student's.
  static func overwriting(_ target: String) -> String {
    """
    ---
    title: Hostile
    ---
    A figure.

    ```vaelab
    > sample 0 1 n=10 show=0 bins=2 svg=\(target)
    ...
    > kl 1 1
    ...
    ```
    """
  }

  // MARK: Item 1: the player runs what a lesson supplies with the lesson's rights

  /// The reproduction: skip the step that writes, come back with `lesson 1 step=2`,
  /// and the catch-up ran the write with the student's rights.
  @Test func catchingUpCannotWriteOverTheStudentsFiles() throws {
    let notes = try TemporaryDirectory()
    let target = notes.path + "/notes.txt"
    try "my notes".write(toFile: target, atomically: true, encoding: .utf8)
    let library = try Library(Self.overwriting(target))
    var runner = library.runner()
    let reply = runner.execute("lesson 1 step=2")
    #expect(reply.error == nil)
    let output = reply.output.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    #expect(output.contains("Catching up stopped at 'sample 0 1 n=10 show=0 bins=2 svg=\(target)'"))
    #expect(output.contains("a lesson writes only into its scratch directory, by relative paths; a command you type"))
    #expect(try String(contentsOfFile: target, encoding: .utf8) == "my notes")
  }

  /// The step's command typed ahead and run as typed is the lesson's: confined.
  /// The same line typed (or edited) by the student runs with the student's rights.
  @Test func aTypedAheadCommandRunAsTypedIsTheLessons() throws {
    let notes = try TemporaryDirectory()
    let target = notes.path + "/notes.txt"
    try "my notes".write(toFile: target, atomically: true, encoding: .utf8)
    let library = try Library(Self.overwriting(target))
    var runner = library.runner()
    let start = runner.execute("lesson 1")
    #expect(start.typedAhead == "sample 0 1 n=10 show=0 bins=2 svg=\(target)")
    let asTyped = runner.execute(start.typedAhead ?? "", from: .lesson)
    #expect(asTyped.error?.contains("a lesson writes only into its scratch directory") == true)
    #expect(try String(contentsOfFile: target, encoding: .utf8) == "my notes")
    // The student's own command (the same text, typed) writes where they say.
    let typed = runner.execute(start.typedAhead ?? "", from: .user)
    #expect(typed.error == nil)
    #expect(try String(contentsOfFile: target, encoding: .utf8).hasPrefix("<svg"))
  }

  /// Found by the player fuzz target: a lesson's line that ends the lesson and
  /// goes on (`lesson quit; save PATH`) ran what followed with the student's rights.
  @Test func aLessonsLineDoesNotOutliveTheLesson() throws {
    let notes = try TemporaryDirectory()
    let target = notes.path + "/notes.md"
    // Its one step done by its first statement, the lesson is over before the second.
    let library = try Library("```vaelab\n> kl 1 1; save \(target)\n...\n```\n")
    var runner = library.runner()
    let start = runner.execute("lesson 1")
    let line = try #require(start.typedAhead)
    let replies = Tokenizer.statements(line).map { runner.execute($0, from: .lesson) }
    #expect(replies.count == 2 && replies[0].error == nil)
    #expect(replies[0].aside?.contains("Lesson 1 done") == true)
    #expect(replies[1].error?.hasPrefix("not run: the lesson that typed this line is no longer being taken") == true)
    #expect(!FileManager.default.fileExists(atPath: target))
  }

  /// A lesson's relative writes land in its own directory beside the progress
  /// file, the note says where, and the student can read them back.
  @Test func aLessonsFilesGoToItsOwnDirectoryAndTheStudentIsTold() throws {
    let library = try Library(Self.overwriting("fig.svg"))
    let workingDirectory = FileManager.default.currentDirectoryPath
    var runner = library.runner()
    let start = runner.execute("lesson 1")
    let reply = runner.execute(start.typedAhead ?? "", from: .lesson)
    #expect(reply.error == nil)
    let scratch = FileAccess.canonical(library.lessonFiles) ?? library.lessonFiles
    #expect(FileManager.default.fileExists(atPath: scratch + "/fig.svg"))
    #expect(!FileManager.default.fileExists(atPath: workingDirectory + "/fig.svg"))
    #expect(reply.aside?.contains("wrote fig.svg into \(scratch)/") == true)
    // The lesson moved on, and the student's rights are back (with the lesson's files readable).
    #expect(runner.session.files.confinement == nil)
    #expect(runner.session.files.libraries.contains(scratch))
    // Catching up says where the files went too.
    var again = library.runner()
    let resumed = again.execute("lesson 1 step=2")
    #expect(
      resumed.output.split(whereSeparator: \.isWhitespace).joined(separator: " ").contains(
        "wrote fig.svg into \(scratch)/"))
  }

  // MARK: Item 2: export inlines only what a command drew, sanitised, under a CSP

  /// The reproduction: the write lands in scratch, and reading the same path
  /// back found the lesson folder's own `evil.svg`.
  @Test func exportNeverInlinesAFileFromTheLessonsFolder() throws {
    let directory = try TemporaryDirectory()
    let evil = "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>document.title='pwned'</script></svg>"
    try evil.write(toFile: directory.path + "/evil.svg", atomically: true, encoding: .utf8)
    try FileManager.default.createDirectory(atPath: directory.path + "/d", withIntermediateDirectories: true)
    let lesson = "```vaelab\n> sample 0 1 n=10 show=0 bins=2 svg=d/../evil.svg\n...\n```\n"
    try lesson.write(toFile: directory.path + "/l.md", atomically: true, encoding: .utf8)
    let files = try FileAccess.confined(toLessonAt: directory.path + "/l.md")
    defer { files.removeScratch() }
    let page = try HTMLExport.page(Transcript(parsing: lesson, name: "l.md"), files: files, solutions: true)
    #expect(!page.contains("<script"))
    #expect(!page.contains("pwned"))
    // The histogram the command drew is there.
    #expect(page.contains("<figure><svg xmlns=\"http://www.w3.org/2000/svg\""))
    #expect(page.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';"))
  }

  /// The sanitiser keeps drawing and drops whatever could run or load.
  @Test(arguments: [
    (
      "<svg><script>alert(1)</script><rect x=\"1\"/></svg>",
      "<svg xmlns=\"http://www.w3.org/2000/svg\"><rect x=\"1\"/></svg>"
    ),
    ("<svg onload=\"alert(1)\" width=\"2\"/>", "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"2\"/>"),
    (
      "<svg><foreignObject><div xmlns=\"http://www.w3.org/1999/xhtml\">x</div></foreignObject><text x=\"1\">a &lt; b</text></svg>",
      "<svg xmlns=\"http://www.w3.org/2000/svg\"><text x=\"1\">a &lt; b</text></svg>"
    ),
    ("<svg><a href=\"javascript:alert(1)\"><rect/></a></svg>", "<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>"),
    (
      "<svg><rect fill=\"url(https://example.org/x)\" stroke=\"#ddd\"/></svg>",
      "<svg xmlns=\"http://www.w3.org/2000/svg\"><rect stroke=\"#ddd\"/></svg>"
    ),
    (
      "<svg><use xlink:href=\"https://example.org/a.svg#x\"/></svg>", "<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>"
    ),
    (
      "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"><g transform=\"translate(0,1)\"><line x1=\"0\"/></g></svg>\n",
      "<svg xmlns=\"http://www.w3.org/2000/svg\"><g transform=\"translate(0,1)\"><line x1=\"0\"/></g></svg>"
    ),
    (
      "<svg><text>&#x3c;script&#62;</text></svg>",
      "<svg xmlns=\"http://www.w3.org/2000/svg\"><text>&lt;script&gt;</text></svg>"
    ),
  ])
  func theSanitiserKeepsOnlyDrawing(svg: String, kept: String) {
    #expect(SVGSanitizer.sanitized(svg) == kept)
  }

  /// Found by the export fuzz target: `<` followed by a combining mark is one
  /// Character, which a comparison with "<" missed, so it reached the page raw.
  @Test func escapingReadsScalarsNotCharacters() {
    #expect(HTMLExport.escaped("<\u{35D}b>&\u{301}\"\u{301}") == "&lt;\u{35D}b&gt;&amp;\u{301}&quot;\u{301}")
    #expect(!HTMLExport.inline("a <\u{35D}script> [x](y) <\u{301}").contains("<\u{35D}"))
  }

  /// XML the sanitiser does not read is not inlined at all.
  @Test(arguments: [
    "<!DOCTYPE svg [<!ENTITY x \"y\">]><svg/>", "<svg><!-- c --></svg>", "<svg><![CDATA[<script>]]></svg>",
    "<svg><?php x ?></svg>", "<svg>&unknown;</svg>", "<svg x='<'/>", "<svg></g>", "<div/>", "<svg/><svg/>",
    String(repeating: "<g>", count: 100) + String(repeating: "</g>", count: 100),
  ])
  func xmlTheSanitiserCannotReadIsLeftOut(svg: String) {
    #expect(SVGSanitizer.sanitized(svg) == nil)
  }

  /// Every figure vaelab draws goes through the sanitiser unchanged but for its XML declaration.
  @Test func vaelabsOwnFiguresPassTheSanitiser() throws {
    let directory = try TemporaryDirectory()
    var engine = Engine(session: Session(seed: 1))
    for command in [
      "sample 0 1 n=100 svg=\(directory.path)/a.svg",
      "grad sweep z^2 over=n from=10 to=100 count=3 svg=\(directory.path)/b.svg",
      "vae new pinwheel hidden=8 latent=2 seed=1", "vae recon [0, 1] svg=\(directory.path)/c.svg",
    ] {
      let reply = engine.execute(command)
      #expect(reply.error == nil, "\(command)")
      for file in reply.filesWritten {
        let text = try #require(file.text)
        let body = text.hasPrefix("<?xml") ? String(text[text.range(of: "?>")!.upperBound...]) : text
        #expect(SVGSanitizer.sanitized(text) == body.trimmingCharacters(in: .whitespacesAndNewlines), "\(command)")
      }
    }
  }

  // MARK: Item 6: text from files is shown with its control characters visible

  @Test func controlCharactersAreMadeVisible() {
    #expect(TerminalText.visible("a\u{1B}]0;title\u{07}b\r\n\tc\u{7F}\u{9B}") == "a^[]0;title^Gb\r\n\tc^?<U+009B>")
    #expect(TerminalText.visibleLine("a\nb") == "a^Jb")
    // A line break written CR LF (a CSV's) stays; a carriage return alone does not.
    #expect(TerminalText.visible("a,b\r\nc\rd\r") == "a,b\r\nc^Md^M")
    // vaelab's own colours pass with colour on, and nothing else does.
    let grey = "\u{1B}[38;5;240m\u{1B}[48;5;255m▀\u{1B}[0m"
    #expect(TerminalText.safe(grey + "\u{1B}[1mx\u{1B}[0m", colour: true) == grey + "\u{1B}[1mx\u{1B}[0m")
    #expect(TerminalText.safe("\u{1B}[8mhidden\u{1B}[38;5;16m", colour: true) == "^[[8mhidden^[[38;5;16m")
    #expect(TerminalText.safe(grey, colour: false) == "^[[38;5;240m^[[48;5;255m▀^[[0m")
  }

  @Test func aLessonsTitleProseAndExerciseShowTheirControlCharacters() throws {
    let lesson = """
      ---
      title: T\u{1B}]0;owned\u{07}
      summary: S\u{1B}[2J
      ---
      Prose \u{1B}[31mred

      ```vaelab
      > kl 1 1
      ...
      ```

      ```exercise
      id: e
      kind: choice
      question: Q\u{1B}[H?
      option: a: A\u{1B}c
      option: b: B
      answer: a
      hint: H\u{9B}1m
      solution: S\u{1B}[5m
      explanation: E\u{0D}over
      ```
      """
    let library = try Library(lesson)
    var runner = library.runner()
    runner.presentation = Presentation(colour: true, width: 80)
    let list = runner.execute("lesson")
    let first = runner.execute("lesson 1")
    _ = runner.execute("kl 1 1")
    let hint = runner.execute("hint")
    let solution = runner.execute("solution")
    let answer = runner.execute("answer a")
    for text in [list.output, first.output, first.aside ?? "", hint.output, solution.output, answer.output] {
      #expect(!text.unicodeScalars.contains { TerminalText.isControl($0) && $0 != "\u{1B}" }, "\(text)")
      #expect(TerminalText.safe(text, colour: true) == text, "only vaelab's own colours: \(text)")
    }
    #expect(list.output.contains("T^[]0;owned^G"))
    #expect(first.output.contains("Prose ^[[31mred"))
    #expect(hint.output.contains("H<U+009B>1m"))
    #expect(answer.output.contains("E^Mover"))
  }

  // MARK: Item 8: a refused answer is recorded so that it replays

  @Test func aRefusedAnswerIsRecordedWithItsExerciseAndReplays() throws {
    let lesson = """
      ```exercise
      id: half
      kind: number
      question: Half of one?
      answer: 0.5
      tolerance: 0.01
      ```
      """
    let library = try Library(lesson)
    var runner = library.runner()
    _ = runner.execute("lesson 1")
    let refused = runner.execute("answer abc")
    #expect(refused.error?.contains("not counted as a try") == true)
    #expect(runner.execute("answer 0.5").error == nil)
    #expect(
      runner.session.notebook.map(\.input).filter { $0.hasPrefix("answer") } == ["answer half abc", "answer half 0.5"])
    // The saved notebook checks clean: the refusal replays as it was.
    let path = library.directory.path + "/saved.md"
    #expect(runner.execute("save \(path)").error == nil)
    let transcript = try Transcript(parsing: try FileIO.readText(path), name: path)
    let result = try TranscriptChecker.check(transcript, file: path, files: .unrestricted, lessons: library.catalog)
    #expect(result.mismatches.isEmpty, "\(result.mismatches.map(\.report))")
  }

  // MARK: Item 15: a failing command changes nothing

  /// A command that changes every part of the session and then fails.
  static let changesThenFails = CommandSpec(
    name: "spoil", summary: "changes the session, then fails", arguments: NoArguments.self,
    action: { session, _ throws(LabError) in
      session.reseed(99)
      session.format = .json
      session.precision = 9
      throw LabError("spoiled")
    })

  @Test func aFailingCommandLeavesTheSessionAsItWas() {
    var engine = Engine(session: Session(seed: 3), commands: CommandRegistry.standard + [Self.changesThenFails])
    _ = engine.execute("set precision=2")
    let before = (engine.session.seed, engine.session.generator, engine.session.format, engine.session.precision)
    let reply = engine.execute("spoil")
    #expect(reply.error == "spoiled")
    let after = (engine.session.seed, engine.session.generator, engine.session.format, engine.session.precision)
    #expect(before.0 == after.0 && before.2 == after.2 && before.3 == after.3)
    var (a, b) = (before.1, after.1)
    #expect(a.next() == b.next())
  }

  /// `vae step` that meets a loss that is not finite stops as at Ctrl-C, keeping
  /// its steps, and says so as a result: an error would claim nothing changed.
  @Test func aStepThatIsNotFiniteEndsTrainingAsAResult() {
    var engine = Engine(session: Session(seed: 1))
    #expect(engine.execute("vae new pinwheel hidden=8 latent=2 optimizer=sgd lr=10 seed=1").error == nil)
    let reply = engine.execute("vae step 500")
    #expect(reply.error == nil)
    #expect(reply.output.contains("gave a loss or gradient that is not finite"))
    #expect(!reply.output.contains("nan"))
    let steps = engine.session.workbench?.trainer.steps ?? -1
    #expect(steps < 500)
    #expect(reply.json?.serialized.contains("\"step\":\(steps),\"taken\":\(steps)") == true)
    #expect(reply.json?.serialized.contains("\"not_finite\":{\"step\":\(steps + 1),") == true)
  }
}
