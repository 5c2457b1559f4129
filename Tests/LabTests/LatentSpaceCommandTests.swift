import Foundation
import NeuralNet
import Testing

@testable import Lab

/// `vae decode`, `vae interp` and `vae traverse`: decodes of latent points the
/// user chooses, on a line between encodings, or along one dimension.
struct LatentSpaceCommandTests {
  func model() -> Engine {
    var engine = Engine()
    _ = engine.execute("vae new shapes latent=2 hidden=16 seed=1")
    _ = engine.execute("vae step 20")
    return engine
  }

  /// Each picture is the decoder's output at the point named in its label.
  @Test func decodeShowsTheDecoderAtEachVector() throws {
    var engine = model()
    let json = engine.execute("vae decode [0, 0, 1.5, -1] format=json").output
    let decoded = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
    let items = try #require(decoded?["items"] as? [[String: Any]])
    #expect(items.map { $0["label"] as? String } == ["[0, 0]", "[1.5, -1]"])
    let model = try #require(engine.session.workbench).model
    let expected = model.decode([0, 0, 1.5, -1])
    let values = try items.flatMap { try #require($0["values"] as? [Double]) }
    #expect(values.count == 512)
    #expect(zip(values, expected).allSatisfy { abs($0 - Double($1)) <= 1e-7 })
  }

  /// The line runs from one encoding to the other, between the two inputs.
  @Test func interpolationEndsAtTheEncodings() throws {
    var engine = model()
    let text = engine.execute("vae interp 0 4 steps=3").output
    #expect(text.hasPrefix("#0 input") && text.contains("t=0 ") && text.contains("t=0.5") && text.contains("#4 input"))
    let json = engine.execute("vae interp 0 4 steps=3 format=json").output
    let items = try #require(
      (try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])?["items"] as? [[String: Any]])
    #expect(items.map { $0["label"] as? String } == ["#0 input", "t=0", "t=0.5", "t=1", "#4 input"])
    let workbench = try #require(engine.session.workbench)
    let rows = try VAECommand.heldOutRows(workbench, [0, 4])
    let mu = workbench.model.encode(rows).mu
    let midpoint = workbench.model.decode([(mu[0] + mu[2]) / 2, (mu[1] + mu[3]) / 2])
    let shown = try #require(items[2]["values"] as? [Double])
    #expect(zip(shown, midpoint).allSatisfy { abs($0 - Double($1)) <= 1e-6 })
  }

  @Test func aTraversalVariesOneDimension() throws {
    var engine = model()
    let json = engine.execute("vae traverse 1 2 from=-2 to=2 steps=5 format=json").output
    let items = try #require(
      (try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])?["items"] as? [[String: Any]])
    #expect(items.map { $0["label"] as? String } == ["#2 input", "z1=-2", "z1=-1", "z1=0", "z1=1", "z1=2"])
    let workbench = try #require(engine.session.workbench)
    let mu = workbench.model.encode(try VAECommand.heldOutRows(workbench, [2])).mu
    let atOne = workbench.model.decode([mu[0], 1])
    let shown = try #require(items[4]["values"] as? [Double])
    #expect(zip(shown, atOne).allSatisfy { abs($0 - Double($1)) <= 1e-6 })
  }

  @Test(arguments: [
    ("vae decode [0, 0, 1]", "z has 3 values; the model's latent vectors have 2, so give 2 or a multiple of 2"),
    ("vae decode 0", "z has 1 value; the model's latent vectors have 2, so give 2 or a multiple of 2"),
    ("vae decode [0, 1e7]", "z[1] must be from -1e6 to 1e6, got 1e7"),
    ("vae interp 0 5000", "example 5000 does not exist: the held-out set has examples 0 to 409"),
    ("vae interp 0 1 steps=1", "steps must be an integer from 2 to 64, got 1"),
    ("vae traverse 2", "the model has latent dimensions 0 to 1, not 2"),
    ("vae traverse 0 9999", "example 9999 does not exist: the held-out set has examples 0 to 409"),
  ])
  func badInputIsRefused(line: String, message: String) {
    var engine = model()
    #expect(engine.execute(line).error == message)
  }

  @Test func theImagesGoToSVGToo() throws {
    var engine = model()
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("interp-\(getpid()).svg").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    #expect(engine.execute("vae interp 0 1 steps=4 svg=\(path)").output.hasSuffix("wrote \(path)"))
    let svg = try String(contentsOfFile: path, encoding: .utf8)
    #expect(svg.contains("t=0.33") && svg.contains("#1 input"))
  }
}
