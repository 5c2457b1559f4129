/// An exercise in a lesson: a fenced `exercise` block of `key: value` lines,
/// which reads as a plain list on a web page and is checked by `vaelab check`.
///
///     ```exercise
///     id: kl-half
///     kind: command
///     question: Find a Gaussian whose KL from the prior is 0.5 nats.
///     command: kl
///     check: kl within 0.01 of 0.5
///     hint: With sigma = 1 the KL is mu^2 / 2.
///     solution: kl 1 1
///     wrong: kl 0 1
///     explanation: With sigma = 1, the log term and the -1 cancel.
///     ```
///
/// Kinds:
/// - `number`: `answer: X` with any of `tolerance: A` (absolute), `relative: R`
///   and `stderr: S` with `band: K` (default 3), for a Monte Carlo answer; a
///   number y passes when |y - X| <= A + R |X| + K S. `verify: COMMAND` and
///   `value: PATH` name a command whose JSON value at PATH must itself pass.
/// - `choice`: `option: a: text` lines and `answer: a`.
/// - `command`: the answer is a command (its first words must be `command:`,
///   a command such as `kl` or a subcommand such as `vae step`)
///   whose JSON result must satisfy `check: PATH CONDITION`, CONDITION one of
///   `within T of V`, `> V`, `>= V`, `< V`, `<= V`, `between A and B`; PATH is
///   keys and indexes, `q.mu[0]`. `setup:` lines run first, in a fresh session.
/// Every kind takes `hint:` lines (shown one at a time), `solution:`,
/// `wrong:` lines (answers that must fail: `vaelab check` runs them, and the
/// solution, which must pass), `explanation:` and `tries: N` (after N wrong
/// answers the solution is offered; default 3). `question:` may repeat; its
/// lines join into one paragraph.
public struct Exercise: Sendable {
  public enum Kind: Sendable {
    case number(answer: Double, tolerance: Double, verify: (command: String, path: JSONPath)?)
    case choice(options: [(letter: String, text: String)], answer: String)
    case command(name: String, check: JSONCheck)
  }

  public var id: String
  /// 0-based line of the opening fence.
  public var line: Int
  public var question: String
  public var kind: Kind
  /// Commands run in a fresh session before a command answer or `verify:`.
  public var setup: [String]
  public var hints: [String]
  public var solution: String?
  public var wrongAnswers: [String]
  public var explanation: String?
  public var tries: Int

  public static let fence = "```exercise"

  /// What an answer earned: whether it passed, and what to tell the student:
  /// what differs from the target, never the target itself; for a right
  /// answer, the answer (or the value the check read).
  public struct Assessment: Sendable, Equatable {
    public var passed: Bool
    public var feedback: String
    /// False for what is not an answer at all (not a number, not an option,
    /// another command, a command that failed): a student's try is not counted.
    public var isAnswer = true
  }

  /// Whether `line` runs the command `name` (`kl`, or `vae step` for one subcommand).
  static func command(_ line: String, isA name: String) -> Bool {
    let words = name.split(separator: " ")
    return Array(line.split(separator: " ").prefix(words.count)) == words
  }

  /// Parses the block's lines (between the fences); `line` is the opening
  /// fence's 0-based line, for messages `NAME:LINE: ...`.
  public init(block: [String], line: Int, name: String) throws(LabError) {
    self.line = line
    var values: [String: [String]] = [:]
    for (offset, text) in block.enumerated() where !text.trimmingBlanks.isEmpty {
      guard let colon = text.firstIndex(of: ":") else {
        throw LabError("\(name):\(line + offset + 2): an exercise line is 'key: value', not '\(text.trimmingBlanks)'")
      }
      let key = text[..<colon].trimmingBlanks
      guard Self.keys.contains(key) else {
        throw LabError(
          "\(name):\(line + offset + 2): an exercise has no key '\(key)'; keys: \(Self.keys.sorted().joined(separator: ", "))"
        )
      }
      values[key, default: []].append(text[text.index(after: colon)...].trimmingBlanks)
    }
    let here = "\(name):\(line + 1)"
    func one(_ key: String) throws(LabError) -> String? {
      guard let found = values[key] else { return nil }
      guard found.count == 1 else {
        throw LabError("\(here): an exercise takes one '\(key):' line, not \(found.count)")
      }
      return found[0]
    }
    func required(_ key: String) throws(LabError) -> String {
      guard let value = try one(key), !value.isEmpty else { throw LabError("\(here): the exercise needs '\(key):'") }
      return value
    }
    func number(_ key: String) throws(LabError) -> Double? {
      guard let text = try one(key) else { return nil }
      guard let value = Double(text), value.isFinite else {
        throw LabError("\(here): '\(key):' must be a number, not '\(text)'")
      }
      return value
    }

    id = try required("id")
    guard id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) else {
      throw LabError("\(here): the exercise id '\(id)' may hold only letters, digits and '-'")
    }
    guard let question = values["question"]?.joined(separator: " "), !question.isEmpty else {
      throw LabError("\(here): the exercise needs 'question:'")
    }
    // What is shown to the student comes from someone else's file: its control
    // characters are made visible (see `TerminalText`).
    self.question = TerminalText.visible(question)
    hints = (values["hint"] ?? []).map(TerminalText.visible)
    setup = values["setup"] ?? []
    solution = try one("solution")
    wrongAnswers = values["wrong"] ?? []
    explanation = try one("explanation").map(TerminalText.visible)
    let triesText = try one("tries") ?? "3"
    guard let tries = Int(triesText), (1...100).contains(tries) else {
      throw LabError("\(here): 'tries:' must be a whole number from 1 to 100, not '\(triesText)'")
    }
    self.tries = tries

    switch try required("kind") {
    case "number":
      guard let answer = try number("answer") else { throw LabError("\(here): a number exercise needs 'answer:'") }
      let parts = [
        try number("tolerance") ?? 0, (try number("relative") ?? 0) * abs(answer),
        (try number("band") ?? 3) * (try number("stderr") ?? 0),
      ]
      guard parts.allSatisfy({ $0 >= 0 }) else {
        throw LabError("\(here): tolerance, relative, stderr and band must not be negative")
      }
      var verify: (String, JSONPath)?
      if let command = try one("verify") {
        verify = (command, try JSONPath(try required("value"), context: here))
      }
      kind = .number(answer: answer, tolerance: parts.reduce(0, +), verify: verify)
    case "choice":
      var options: [(letter: String, text: String)] = []
      for option in values["option"] ?? [] {
        guard let colon = option.firstIndex(of: ":"), !option[..<colon].trimmingBlanks.isEmpty else {
          throw LabError("\(here): an option is 'option: LETTER: text', not 'option: \(option)'")
        }
        options.append(
          (option[..<colon].trimmingBlanks, TerminalText.visible(option[option.index(after: colon)...].trimmingBlanks)))
      }
      guard options.count >= 2 else { throw LabError("\(here): a choice exercise needs at least two 'option:' lines") }
      let answer = try required("answer")
      guard options.contains(where: { $0.letter == answer }) else {
        throw LabError("\(here): the answer '\(answer)' is not one of the options")
      }
      kind = .choice(options: options, answer: answer)
    case "command":
      guard solution != nil else { throw LabError("\(here): a command exercise needs 'solution:', a command") }
      kind = .command(name: try required("command"), check: try JSONCheck(try required("check"), context: here))
    case let other:
      throw LabError("\(here): the exercise kind is number, choice or command, not '\(other)'")
    }
  }

  static let keys: Set<String> = [
    "id", "kind", "question", "answer", "tolerance", "relative", "stderr", "band", "verify", "value", "option",
    "command", "check", "setup", "hint", "solution", "wrong", "explanation", "tries",
  ]

  /// Whether `answer` passes. Commands (a command exercise's answer, or a
  /// number's `verify:`) run through `run`, which gives a command's JSON
  /// result or its error.
  public func assess(_ answer: String, run: (_ setup: [String], _ command: String) -> Result<JSON, LabError>)
    -> Assessment
  {
    let given = answer.trimmingBlanks
    switch kind {
    case .number(let target, let tolerance, _):
      guard let value = Double(given), value.isFinite else {
        return Assessment(passed: false, feedback: "'\(given)' is not a number", isAnswer: false)
      }
      if abs(value - target) <= tolerance { return Assessment(passed: true, feedback: given) }
      return Assessment(passed: false, feedback: "\(given) is too \(value > target ? "high" : "low")")
    case .choice(let options, let right):
      let letters = options.map(\.letter)
      // Letters match whatever their case: 'B' is option b.
      guard let letter = letters.first(where: { $0.lowercased() == given.lowercased() }) else {
        return Assessment(
          passed: false, feedback: "'\(given)' is not one of the options \(letters.joined(separator: ", "))",
          isAnswer: false)
      }
      return letter == right
        ? Assessment(passed: true, feedback: letter) : Assessment(passed: false, feedback: "\(letter) is not it")
    case .command(let name, let check):
      guard Self.command(given, isA: name) else {
        return Assessment(passed: false, feedback: "the answer is a '\(name)' command", isAnswer: false)
      }
      switch run(setup, given) {
      case .failure(let error):
        return Assessment(passed: false, feedback: "your command failed: \(error.message)", isAnswer: false)
      case .success(let json): return check.assess(json)
      }
    }
  }
}

/// A place in a command's JSON result: keys and indexes, `q.mu[0]`, `kl`.
public struct JSONPath: Sendable, Equatable, CustomStringConvertible {
  enum Step: Equatable {
    case key(String)
    case index(Int)
  }
  let steps: [Step]
  public let description: String

  init(_ text: String, context: String) throws(LabError) {
    description = text
    var steps: [Step] = []
    for part in text.split(separator: ".", omittingEmptySubsequences: false) {
      var rest = Substring(part)
      let key = rest.prefix { $0 != "[" }
      guard !key.isEmpty else { throw LabError("\(context): '\(text)' is not a path such as q.mu[0]") }
      steps.append(.key(String(key)))
      rest = rest.dropFirst(key.count)
      while rest.first == "[" {
        guard let close = rest.firstIndex(of: "]"), let index = Int(rest[rest.index(after: rest.startIndex)..<close]),
          index >= 0
        else { throw LabError("\(context): '\(text)' is not a path such as q.mu[0]") }
        steps.append(.index(index))
        rest = rest[rest.index(after: close)...]
      }
      guard rest.isEmpty else { throw LabError("\(context): '\(text)' is not a path such as q.mu[0]") }
    }
    self.steps = steps
  }

  /// The number at this place in `json`, or nil.
  func number(in json: JSON) -> Double? {
    var node = json
    for step in steps {
      switch (step, node) {
      case (.key(let key), .object(let members)):
        guard let found = members.first(where: { $0.0 == key })?.1 else { return nil }
        node = found
      case (.index(let index), .array(let elements)):
        guard index < elements.count else { return nil }
        node = elements[index]
      default: return nil
      }
    }
    switch node {
    case .number(let value): return value
    case .integer(let value): return Double(value)
    default: return nil
    }
  }
}

/// `PATH within T of V`, `PATH > V` (>=, <, <=), `PATH between A and B`.
public struct JSONCheck: Sendable {
  public let path: JSONPath
  /// The closed or open range the value must lie in.
  let lower: (value: Double, inclusive: Bool)?
  let upper: (value: Double, inclusive: Bool)?
  /// How the target reads in feedback: `0.5 +- 0.01`, `above 1`.
  let target: String

  init(_ text: String, context: String) throws(LabError) {
    let words = text.split(separator: " ").map(String.init)
    let usage = "a check is 'PATH within T of V', 'PATH > V' (>=, <, <=) or 'PATH between A and B', not '\(text)'"
    guard words.count >= 3 else { throw LabError("\(context): \(usage)") }
    path = try JSONPath(words[0], context: context)
    func number(_ word: String) throws(LabError) -> Double {
      guard let value = Double(word), value.isFinite else { throw LabError("\(context): \(usage)") }
      return value
    }
    switch (words[1], words.count) {
    case ("within", 5) where words[3] == "of":
      let (tolerance, centre) = (try number(words[2]), try number(words[4]))
      guard tolerance >= 0 else { throw LabError("\(context): \(usage)") }
      (lower, upper) = ((centre - tolerance, true), (centre + tolerance, true))
      target = "\(words[4]) +- \(words[2])"
    case ("between", 5) where words[3] == "and":
      let (a, b) = (try number(words[2]), try number(words[4]))
      guard a <= b else { throw LabError("\(context): \(usage)") }
      (lower, upper) = ((a, true), (b, true))
      target = "from \(words[2]) to \(words[4])"
    case (">", 3), (">=", 3):
      (lower, upper) = ((try number(words[2]), words[1] == ">="), nil)
      target = "\(words[1] == ">" ? "above" : "at least") \(words[2])"
    case ("<", 3), ("<=", 3):
      (lower, upper) = (nil, (try number(words[2]), words[1] == "<="))
      target = "\(words[1] == "<" ? "below" : "at most") \(words[2])"
    default:
      throw LabError("\(context): \(usage)")
    }
  }

  /// Whether `json` holds a number at the path within the range.
  public func assess(_ json: JSON) -> Exercise.Assessment {
    guard let value = path.number(in: json) else {
      return Exercise.Assessment(passed: false, feedback: "the result has no number at '\(path)'")
    }
    let aboveLower = lower.map { $0.inclusive ? value >= $0.value : value > $0.value } ?? true
    let belowUpper = upper.map { $0.inclusive ? value <= $0.value : value < $0.value } ?? true
    let shown = NumberFormat.shortest(NumberFormat.rounded(value, significantDigits: 4))
    return aboveLower && belowUpper
      ? Exercise.Assessment(passed: true, feedback: "your \(path) is \(shown)")
      : Exercise.Assessment(passed: false, feedback: "your \(path) is \(shown); the target is \(target)")
  }
}
