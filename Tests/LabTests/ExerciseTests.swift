import Testing

@testable import Lab

/// Exercises: parsed from ```exercise blocks, assessed without giving the
/// answer away, and validated by `vaelab check` (a solution must pass, a
/// listed wrong answer must fail).
struct ExerciseTests {
  static func exercise(_ lines: [String]) throws -> Exercise {
    try Exercise(block: lines, line: 4, name: "x.md")
  }

  /// Runs a command in a fresh engine, as `vaelab check` does.
  static func run(_ setup: [String], _ command: String) -> Result<JSON, LabError> {
    TranscriptChecker.run(setup, command, seed: 0, files: .unrestricted, shouldStop: { false })
  }

  @Test func aNumberPassesWithinItsTolerances() throws {
    let number = try Self.exercise([
      "id: n", "kind: number", "question: How much?", "answer: 2", "tolerance: 0.01", "relative: 0.01",
      "stderr: 0.1", "band: 2",
    ])
    // Allowed: 0.01 + 0.01 * 2 + 2 * 0.1 = 0.23.
    #expect(number.assess("2.229", run: Self.run).passed)
    #expect(number.assess("1.771", run: Self.run).passed)
    #expect(number.assess("2.231", run: Self.run) == Exercise.Assessment(passed: false, feedback: "2.231 is too high"))
    #expect(number.assess("1.7", run: Self.run) == Exercise.Assessment(passed: false, feedback: "1.7 is too low"))
    #expect(number.assess("two", run: Self.run).feedback == "'two' is not a number")
    #expect(number.hints.isEmpty && number.tries == 3 && number.line == 4)
  }

  @Test func aChoiceNamesItsOptions() throws {
    let choice = try Self.exercise([
      "id: c", "kind: choice", "question: Which?", "option: a: one", "option: b: two", "answer: b", "hint: h1",
      "hint: h2", "tries: 2",
    ])
    #expect(choice.assess("b", run: Self.run).passed)
    #expect(choice.assess("a", run: Self.run) == Exercise.Assessment(passed: false, feedback: "a is not it"))
    #expect(choice.assess("z", run: Self.run).feedback == "'z' is not one of the options a, b")
    #expect(choice.hints == ["h1", "h2"] && choice.tries == 2)
  }

  /// The check reads the command's JSON; feedback says the value and the target, not a command that works.
  @Test func aCommandIsRunAndItsResultChecked() throws {
    let command = try Self.exercise([
      "id: k", "kind: command", "question: Find KL 0.5.", "question: Any Gaussian.", "command: kl",
      "check: kl within 0.01 of 0.5", "solution: kl 1 1",
    ])
    #expect(command.question == "Find KL 0.5. Any Gaussian.")
    #expect(command.assess("kl 1 1", run: Self.run).passed)
    #expect(
      command.assess("kl 1.2 1", run: Self.run)
        == Exercise.Assessment(passed: false, feedback: "your kl is 0.72; the target is 0.5 +- 0.01"))
    #expect(command.assess("sample 1 1", run: Self.run).feedback == "the answer is a 'kl' command")
    #expect(
      command.assess("kl 1 -1", run: Self.run).feedback
        == "your command failed: sigma must be > 0 (from 1e-100 to 1e100), got -1")
    // Paths reach into arrays; other conditions.
    let path = try Self.exercise([
      "id: p", "kind: command", "question: q", "command: kl", "check: per_dim[1] > 0.8", "solution: kl 0 [0.5, 2]",
    ])
    #expect(path.assess("kl 0 [0.5, 2]", run: Self.run).passed)
    #expect(
      path.assess("kl 0 [2, 0.5]", run: Self.run).feedback == "your per_dim[1] is 0.3181; the target is above 0.8")
    #expect(path.assess("kl 0 0.5", run: Self.run).feedback == "the result has no number at 'per_dim[1]'")
  }

  @Test(arguments: [
    (["id: a", "kind: number", "question: q"], "x.md:5: a number exercise needs 'answer:'"),
    (["id: a", "kind: guess", "question: q"], "x.md:5: the exercise kind is number, choice or command, not 'guess'"),
    (["kind: number", "question: q", "answer: 1"], "x.md:5: the exercise needs 'id:'"),
    (
      ["id: a b", "kind: number", "question: q", "answer: 1"],
      "x.md:5: the exercise id 'a b' may hold only letters, digits and '-'"
    ),
    (
      ["id: a", "kind: number", "question: q", "answer: 1", "colour: red"],
      "x.md:10: an exercise has no key 'colour'; keys: answer, band, check, command, explanation, hint, id, kind, option, question, relative, setup, solution, stderr, tolerance, tries, value, verify, wrong"
    ),
    (
      ["id: a", "kind: number", "question: q", "answer: 1", "no colon"],
      "x.md:10: an exercise line is 'key: value', not 'no colon'"
    ),
    (["id: a", "kind: number", "question: q", "answer: one"], "x.md:5: 'answer:' must be a number, not 'one'"),
    (
      ["id: a", "kind: number", "question: q", "answer: 1", "tolerance: -1"],
      "x.md:5: tolerance, relative, stderr and band must not be negative"
    ),
    (
      ["id: a", "kind: choice", "question: q", "option: a: x", "option: b: y", "answer: c"],
      "x.md:5: the answer 'c' is not one of the options"
    ),
    (
      ["id: a", "kind: choice", "question: q", "option: a: x", "answer: a"],
      "x.md:5: a choice exercise needs at least two 'option:' lines"
    ),
    (
      ["id: a", "kind: command", "question: q", "command: kl", "check: kl about 1"],
      "x.md:5: a command exercise needs 'solution:', a command"
    ),
    (
      ["id: a", "kind: command", "question: q", "command: kl", "check: kl about 1", "solution: kl 1 1"],
      "x.md:5: a check is 'PATH within T of V', 'PATH > V' (>=, <, <=) or 'PATH between A and B', not 'kl about 1'"
    ),
    (
      ["id: a", "kind: command", "question: q", "command: kl", "check: q..mu > 1", "solution: kl 1 1"],
      "x.md:5: 'q..mu' is not a path such as q.mu[0]"
    ),
    (
      ["id: a", "kind: number", "question: q", "answer: 1", "tries: 0"],
      "x.md:5: 'tries:' must be a whole number from 1 to 100, not '0'"
    ),
  ])
  func badExercises(lines: [String], error: String) {
    #expect(throws: LabError(error)) { try Self.exercise(lines) }
  }

  /// `vaelab check` runs each solution and each wrong answer.
  @Test func checkFindsExercisesThatRejectTheirSolutionOrAcceptAWrongAnswer() throws {
    let text = """
      Prose.

      ```exercise
      id: half
      kind: command
      question: KL 0.5
      command: kl
      check: kl within 0.01 of 0.5
      solution: kl 0 1
      wrong: kl 1 1
      ```

      ```exercise
      id: double
      kind: number
      question: KL of N(0, 2^2)?
      answer: 0.9
      tolerance: 0.001
      verify: kl 0 2
      value: kl
      wrong: 0.9005
      ```

      ```exercise
      id: fine
      kind: number
      question: KL of N(0, 2^2)?
      answer: 0.807
      tolerance: 0.0005
      verify: kl 0 2
      value: kl
      wrong: 0.318
      ```
      """
    let transcript = try Transcript(parsing: text, name: "e.md")
    #expect(transcript.exercises.map(\.id) == ["half", "double", "fine"])
    let result = try TranscriptChecker.check(transcript, file: "e.md", files: .unrestricted)
    #expect(result.exerciseCount == 3)
    #expect(
      result.exerciseProblems.map(\.report) == [
        "e.md:3: exercise 'half': its solution 'kl 0 1' fails its own check: your kl is 0; the target is 0.5 +- 0.01",
        "e.md:3: exercise 'half': the wrong answer 'kl 1 1' passes its check",
        "e.md:13: exercise 'double': verify 'kl 0 2' gives kl = 0.8068528194400547, outside the answer 0.9 +- 0.001",
        "e.md:13: exercise 'double': the wrong answer '0.9005' passes its check",
      ])
  }

  @Test func duplicateIdsAndUnclosedBlocksAreRefused() {
    let block = "```exercise\nid: a\nkind: number\nquestion: q\nanswer: 1\n```\n"
    #expect(throws: LabError("d.md:7: a second exercise with the id 'a'")) {
      try Transcript(parsing: block + block, name: "d.md")
    }
    #expect(throws: LabError("u.md:1: the ```exercise block is never closed by a ``` line")) {
      try Transcript(parsing: "```exercise\nid: a\n", name: "u.md")
    }
  }
}
