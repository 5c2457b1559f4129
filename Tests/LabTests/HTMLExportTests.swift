import Foundation
import Testing

@testable import Lab

/// `vaelab export`: the page's prose, commands, figures and exercises.
struct HTMLExportTests {
  static let lesson = """
    ---
    title: A <small> lesson
    seed: 2
    ---
    # Heading & more

    Some **bold** text with `code <x>` and a [link](https://example.org) but
    not a [script](javascript:alert(1)).

    - one
      continued
    - two

    1. first
    2. second

        indented code < 1

    ```vaelab
    > kl 2 1
    ...
    > grad sweep z^2 over=n from=10 to=1000 count=3 svg=g.svg
    ...
    ```

    ```exercise
    id: half
    kind: choice
    question: Which is **it**?
    option: a: this
    option: b: that
    answer: b
    hint: Look.
    solution: b, of course.
    explanation: Because.
    ```
    """

  func page(solutions: Bool) throws -> String {
    let transcript = try Transcript(parsing: Self.lesson, name: "l.md")
    let directory = try TemporaryDirectory()
    try Self.lesson.write(toFile: directory.path + "/l.md", atomically: true, encoding: .utf8)
    let files = try FileAccess.confined(toLessonAt: directory.path + "/l.md")
    defer { files.removeScratch() }
    return try HTMLExport.page(transcript, files: files, solutions: solutions)
  }

  @Test func proseIsMarkdownEscaped() throws {
    let html = try page(solutions: true)
    #expect(html.contains("<title>A &lt;small&gt; lesson</title>"))
    #expect(html.contains("<h1>Heading &amp; more</h1>"))
    #expect(
      html.contains(
        "<p>Some <b>bold</b> text with <code>code &lt;x&gt;</code> and a <a href=\"https://example.org\">link</a> but not a [script](javascript:alert(1)).</p>"
      ))
    #expect(html.contains("<ul><li>one continued</li><li>two</li></ul>"))
    #expect(html.contains("<ol><li>first</li><li>second indented code &lt; 1</li></ol>"))
    #expect(!html.contains("```"))
  }

  /// Commands are run now: their whole output, not the lesson's `...`, and the figure inline.
  @Test func commandsAndFiguresAreRunAndEmbedded() throws {
    let html = try page(solutions: true)
    #expect(
      html.contains(
        "<pre class=\"command\"><span class=\"prompt\">&gt; </span><b>kl 2 1</b></pre><pre class=\"output\">"))
    #expect(html.contains("= 2.000 nats</pre>"))
    #expect(html.components(separatedBy: "<figure><svg").count == 2)
    #expect(!html.contains("<?xml"))
    // Nothing to fetch: no source or stylesheet outside the page.
    #expect(!html.contains("src=") && !html.contains("<link") && !html.contains("@import"))
  }

  @Test func exercisesFoldTheirHintsAndSolutions() throws {
    let html = try page(solutions: true)
    #expect(html.contains("<p><b>Exercise</b> (choose one): Which is <b>it</b>?</p>"))
    #expect(html.contains("<ul class=\"options\"><li><b>a</b>: this</li><li><b>b</b>: that</li></ul>"))
    #expect(html.contains("<details><summary>Hint 1</summary><p>Look.</p></details>"))
    #expect(html.contains("<details><summary>Solution</summary><p>b, of course.</p><p>Because.</p></details>"))
    let withheld = try page(solutions: false)
    #expect(withheld.contains("<summary>Hint 1</summary>") && !withheld.contains("Solution"))
    #expect(!withheld.contains("of course"))
  }
}
