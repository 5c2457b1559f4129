import Foundation
import Testing

/// A student takes lesson 1 at a keyboard: each step's command is typed for
/// them and runs with Enter, an exercise is answered wrong (a hint comes) and
/// then right, the lesson is left and resumed in a new session at the same
/// step, the list shows the progress, and a corrupt progress file is recovered from.
@Suite(.serialized)
struct LessonShellTests {
  func environment(home: String) -> [String: String] {
    [
      "TERM": "xterm", "HOME": home, "NO_COLOR": "1", "XDG_STATE_HOME": home + "/state",
      "VAELAB_HISTORY": home + "/history", "PATH": "/usr/bin:/bin",
    ]
  }

  /// Readline's unix-line-discard: clears what is typed at the prompt.
  static let clearLine = "\u{15}"

  @Test func aWholeLessonAtTheKeyboard() throws {
    let home = try TemporaryDirectory()
    let terminal = try PseudoTerminal(arguments: ["lesson", "1"], environment: environment(home: home.path))
    var seen = try terminal.waitFor("Lesson 1, step 1 of 14: The KL term and its anchors")
    seen = try terminal.waitFor("]> kl 0 1", after: seen)

    // Enter runs each command step as typed; the next step follows with its command typed.
    let commands = [
      ("kl 0 1", "= 0.000 nats"), ("kl 2 1", "= 2.000 nats"), ("kl 0 0.5", "= 0.318 nats"),
      ("kl 1 2", "= 1.307 nats"),
    ]
    for (index, (command, result)) in commands.enumerated() {
      if index > 0 { seen = try terminal.waitFor("]> \(command)", after: seen) }
      terminal.type("\r")
      seen = try terminal.waitFor(result, after: seen)
      seen = try terminal.waitFor("step \(index + 2) of 14", after: seen)
    }
    // An edited command counts as the step's too: Ctrl-U clears the typed line.
    seen = try terminal.waitFor("]> kl 0 [0.25, 0.5, 0.9, 1, 1.1, 2, 4]", after: seen)
    terminal.type(Self.clearLine + "kl 0 [0.5, 2]\r")
    seen = try terminal.waitFor("step 6 of 14", after: seen)
    for step in 7...12 {
      seen = try terminal.waitFor("]> kl", after: seen)
      terminal.type("\r")
      seen = try terminal.waitFor("step \(step) of 14", after: seen)
    }

    // The first exercise: a command of its kind is its answer. Wrong, then a hint; then right.
    seen = try terminal.waitFor("Exercise kl-half (run a 'kl' command; it is checked when it runs):", after: seen)
    seen = try terminal.waitFor("]> kl ", after: seen)
    terminal.type("2 1\r")
    seen = try terminal.waitFor("Not yet: your kl is 2; the target is 0.5 +- 0.01. (Try 1 of 3.)", after: seen)
    seen = try terminal.waitFor("Hint 1 of 2: With sigma = 1, the log term and the -1 cancel", after: seen)
    // The next try is started for them again.
    seen = try terminal.waitFor("]> kl ", after: seen)
    terminal.type("1 1\r")
    seen = try terminal.waitFor("Right: your kl is 0.5.", after: seen)
    seen = try terminal.waitFor("step 13 of 14", after: seen)
    seen = try terminal.waitFor("]> answer ", after: seen)

    // Leave the lesson and the shell; progress is kept.
    terminal.type(Self.clearLine + "lesson quit\r")
    seen = try terminal.waitFor("left lesson 1; 'lesson 1' resumes it where you were", after: seen)
    terminal.type("lesson\r")
    seen = try terminal.waitFor("1. The KL term and its anchors [step 13 of 14, 1 of 3 exercises passed]", after: seen)
    seen = try terminal.waitFor("2. The reparameterisation trick [not started]", after: seen)
    terminal.type("quit\r")
    #expect(try terminal.waitForExit() == 0)

    // A new session resumes at step 13, having run the commands before it again.
    let again = try PseudoTerminal(environment: environment(home: home.path))
    seen = try again.waitFor("]> ")
    again.type("lesson 1\r")
    seen = try again.waitFor("Resuming at step 13.", after: seen)
    seen = try again.waitFor("Caught up: ran the 11 commands of the steps before this one again (seed 0).", after: seen)
    seen = try again.waitFor("Exercise halve-or-double (answer LETTER):", after: seen)
    seen = try again.waitFor("]> answer ", after: seen)
    again.type("b\r")
    seen = try again.waitFor("Right: b.", after: seen)
    seen = try again.waitFor("]> answer ", after: seen)
    again.type("0.807\r")
    seen = try again.waitFor("Lesson 1 done: The KL term and its anchors", after: seen)
    seen = try again.waitFor("Exercises passed in this session: 2 of 3.", after: seen)
    seen = try again.waitFor("Next: lesson 2, The reparameterisation trick ('lesson 2').", after: seen)
    // The next lesson is offered at the prompt.
    seen = try again.waitFor("]> lesson 2", after: seen)
    again.type(Self.clearLine + "save \(home.path)/student.md\r")
    seen = try again.waitFor("saved", after: seen)
    again.type("quit\r")
    #expect(try again.waitForExit() == 0)

    let progress = try home.read("state/vaelab/lessons.json")
    #expect(progress.contains("\"done\" : true"))
    // The notebook of the second session checks, and grades as the answers went.
    let check = try Binary.run(["check", home.path + "/student.md"])
    #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
    let grade = try Binary.run(["grade", "--format", "csv", home.path + "/student.md"])
    #expect(grade.stdout.contains("/student.md,01-kl-anchors,2,3,2,0,0,0,0,\r\n"), "\(grade.stdout)\(grade.stderr)")
  }

  @Test func aCorruptProgressFileIsReportedAndReplaced() throws {
    let home = try TemporaryDirectory()
    try FileManager.default.createDirectory(atPath: home.path + "/state/vaelab", withIntermediateDirectories: true)
    try home.write("{\"version\": 1, \"lessons\": {\"01-kl-anchors\": {\"step\": ", to: "state/vaelab/lessons.json")
    let terminal = try PseudoTerminal(environment: environment(home: home.path))
    var seen = try terminal.waitFor("]> ")
    terminal.type("lesson\r")
    seen = try terminal.waitFor("could not be read (it is not lesson progress as vaelab writes it)", after: seen)
    seen = try terminal.waitFor("1. The KL term and its anchors [not started]", after: seen)
    terminal.type("lesson 2\r")
    seen = try terminal.waitFor("Lesson 2, step 1 of", after: seen)
    terminal.type(Self.clearLine + "quit\r")
    #expect(try terminal.waitForExit() == 0)
    #expect(try home.read("state/vaelab/lessons.json.corrupt").hasPrefix("{\"version\": 1"))
    #expect(try home.read("state/vaelab/lessons.json").contains("02-reparameterisation"))
  }

  /// Without a terminal (piped, as an instructor scripts a walkthrough) the
  /// steps are the same, nothing is typed ahead, and each command names its step.
  @Test func aLessonPipedWithoutATerminal() throws {
    let home = try TemporaryDirectory()
    let result = try Binary.run(
      ["lesson", "1", "step=13"], input: "answer a\nanswer b\nanswer 0.807\nlesson\n",
      environment: ["XDG_STATE_HOME": home.path])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("Caught up: ran the 11 commands of the steps before this one again (seed 0)."))
    #expect(result.stdout.contains("Not yet: a is not it. (Try 1 of 3.)"))
    #expect(result.stdout.contains("Lesson 1 done: The KL term and its anchors"))
    #expect(result.stdout.contains("1. The KL term and its anchors [done, 2 of 3 exercises passed]"))
    let list = try Binary.run(["lesson"], environment: ["XDG_STATE_HOME": home.path])
    #expect(list.stdout.contains("[done, 2 of 3 exercises passed]"))
  }
}
