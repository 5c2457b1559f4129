/// A lesson cut into the steps a student takes one at a time: each step is the
/// prose up to the next command or exercise, then that command (which the shell
/// types for the student) or that exercise. The prose after the last one closes
/// the lesson.
public struct LessonPlan: Sendable {
  public enum Action: Sendable {
    /// A command the student runs (pre-typed at a terminal).
    case command(String)
    case exercise(Exercise)
  }

  public struct Step: Sendable {
    /// The Markdown lines before the action, as written.
    public var prose: [String]
    public var action: Action
  }

  public var title: String
  public var summary: String
  /// The seed the lesson's outputs assume (its front matter's `seed:`).
  public var seed: UInt64
  public var steps: [Step]
  /// The prose after the last step.
  public var closing: [String]

  public var exercises: [Exercise] {
    steps.compactMap {
      if case .exercise(let exercise) = $0.action { exercise } else { nil }
    }
  }

  /// The steps of `transcript`, in file order; `name` titles a lesson without `title:`.
  /// The title, summary and prose come from someone else's file: they are kept
  /// with their control characters made visible (see `TerminalText`).
  public init(_ transcript: Transcript, name: String) {
    title = TerminalText.visibleLine(transcript.frontMatter["title"].flatMap { $0.isEmpty ? nil : $0 } ?? name)
    summary = TerminalText.visibleLine(transcript.frontMatter["summary"] ?? "")
    seed = transcript.seed
    // Each action at the line it starts on; the prose lines before it are its step's.
    var actions: [(line: Int, action: Action)] =
      transcript.commands.map { ($0.inputLine, .command($0.input)) }
      + transcript.exercises.map { ($0.line, .exercise($0)) }
    actions.sort { $0.line < $1.line }
    var prose = transcript.proseLines[...]
    steps = actions.map { line, action in
      let before = prose.prefix { $0 < line }
      prose = prose.dropFirst(before.count)
      return Step(prose: before.map { TerminalText.visible(transcript.lines[$0]) }, action: action)
    }
    closing = prose.map { TerminalText.visible(transcript.lines[$0]) }
  }
}
