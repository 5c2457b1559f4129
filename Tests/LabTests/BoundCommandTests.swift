import Foundation
import Testing

@testable import Lab

/// `vae bound`: the ELBO, IWAE_k and log p(x) on a trained model.
struct BoundCommandTests {
  func trained(_ options: String) -> Engine {
    var engine = Engine()
    _ = engine.execute("vae new pinwheel hidden=32 seed=1 lr=0.003 " + options)
    _ = engine.execute("vae step 300")
    return engine
  }

  @Test func aTwoDimensionalModelGetsLogPxByQuadrature() {
    var engine = trained("latent=2")
    let text = engine.execute("vae bound 0 seed=1").output
    #expect(text.hasPrefix("log p(x) = ELBO + KL(q(z|x) || p(z|x)) for held-out example 0 (2-D latent)\n"))
    for row in ["\nELBO, one sample ", "\nELBO ", "\nIWAE k=1 ", "\nIWAE k=1000 ", "\nlog p(x) ", "quadrature, error "]
    {
      #expect(text.contains(row), "\(row)")
    }
    #expect(text.contains("\ngap: ELBO - log p(x) = -KL(q(z|x) || p(z|x)) = -"))
    let json = engine.execute("vae bound 0 k=[1, 100] seed=1 format=json").output
    for key in [
      #""elbo":{"value":"#, #""elbo_exact":"#, #""iwae":{"1":{"value":"#, #""100":{"#, #""log_px":"#,
      #""log_px_error":"#, #""method":"quadrature""#, #""gap":-"#, #""mean":{"#,
    ] {
      #expect(json.contains(key), "\(key)")
    }
  }

  /// One example of a 2-D model: p(z|x) beside q(z|x), in the terminal and as SVG.
  @Test func thePosteriorIsDrawnBesideQ() throws {
    var engine = trained("latent=2")
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("posterior-\(getpid()).svg").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    let text = engine.execute("vae bound 0 k=10 seed=1 svg=\(path)").output
    #expect(text.contains("\nthe true posterior beside the encoder's Gaussian, on z0 in ["))
    #expect(text.contains("\np(z|x)  "))
    #expect(text.hasSuffix("\nwrote \(path)"))
    let svg = try String(contentsOfFile: path, encoding: .utf8)
    #expect(svg.contains("p(z|x), the true posterior") && svg.contains("q(z|x), the encoder's"))
    #expect(
      engine.execute("vae bound k=10 svg=a.svg").error
        == "svg= draws p(z|x) beside q(z|x) for one held-out example of a model with a 2-D latent space; give an example index I, or leave svg= out"
    )
  }

  /// A 1-D latent line gets log p(x) by quadrature too, and no picture (that is for the plane).
  @Test func aOneDimensionalModelGetsLogPxByQuadrature() {
    var engine = trained("latent=1")
    let reply = engine.execute("vae bound 0 k=10 seed=1")
    #expect(reply.error == nil)
    #expect(reply.output.contains("quadrature, error "))
    #expect(!reply.output.contains("the true posterior beside"))
  }

  @Test func moreDimensionsGetAnEstimate() {
    var engine = trained("latent=3")
    let json = engine.execute("vae bound 2 k=[1, 10] seed=1 format=json").output
    #expect(json.contains(#""elbo_exact":null"#))
    #expect(json.contains(#""method":"iwae estimate, k=5000""#))
    #expect(engine.execute("vae bound 2 k=10 seed=1").output.contains("estimated by IWAE with k = 5000, a lower bound"))
  }

  @Test(arguments: [
    ("vae bound 5000", "the held-out set has no example 5000: its examples are 0 to 409"),
    ("vae bound label=y", "label= names a column of data=; give data= too"),
    ("vae bound 0 k=0", "k must be an integer from 1 to 100000, got 0"),
    ("vae bound 0 k=[10, 1e6]", "k[1] must be an integer from 1 to 100000, got 1e6"),
  ])
  func badInputIsRefused(line: String, message: String) {
    var engine = trained("latent=2")
    #expect(engine.execute(line).error == message)
  }

  /// data= bounds the rows of a file; its width must be the model's.
  @Test func theRowsOfADataFile() throws {
    var engine = trained("latent=2")
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bound-\(getpid())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let points = directory.appendingPathComponent("points.csv").path
    try "x,y\n0.5,1.0\n-1.2,0.3\n".write(toFile: points, atomically: true, encoding: .utf8)
    let wide = directory.appendingPathComponent("wide.csv").path
    try "a,b,c\n1,2,3\n4,5,6\n".write(toFile: wide, atomically: true, encoding: .utf8)
    let averaged = engine.execute("vae bound data=\(points) k=10 seed=1").output
    #expect(averaged.hasPrefix("log p(x) = ELBO + KL(q(z|x) || p(z|x)), averaged over the 2 examples of \(points)"))
    let one = engine.execute("vae bound 1 data=\(points) k=10 seed=1 format=json").output
    #expect(one.hasPrefix(#"{"source":"\#(points)","examples":[{"index":1,"#))
    #expect(engine.execute("vae bound 2 data=\(points)").error == "\(points) has no example 2: its examples are 0 to 1")
    #expect(engine.execute("vae bound data=\(wide)").error == "\(wide) has 3 values per row, but the model takes 2")
  }

  @Test func aPlainAutoencoderHasNoBound() {
    var engine = Engine()
    _ = engine.execute("vae new pinwheel hidden=8 latent=2 kind=ae seed=1")
    #expect(
      engine.execute("vae bound 0").error
        == "a plain autoencoder (kind=ae) has no q(z|x), so no ELBO to bound log p(x) with; use kind=vae")
  }

  /// Ten rows of 1000 and 1001 give an untrained encoder a log-variance of
  /// about -333 (sigma 6e-73): `vae bound` and `vae density` trapped counting
  /// the grid's points. Now refused in words, the session kept.
  @Test func aPosteriorTooNarrowForAGridIsRefusedInWords() throws {
    let directory = try TemporaryDirectory()
    let csv = directory.path + "/c.csv"
    try String(repeating: "1000\n1001\n", count: 5).write(toFile: csv, atomically: true, encoding: .utf8)
    var engine = Engine()
    #expect(engine.execute("vae new \(csv) latent=1 seed=0").error == nil)
    for line in ["vae bound 0", "vae density"] {
      let error = engine.execute(line).error ?? ""
      #expect(
        error.contains("q(z|x) is so narrow that a grid resolving it would need ")
          && error.hasSuffix("points, more than 4194304"), "\(line): \(error)")
    }
    #expect(engine.execute("kl 2 1").output.hasSuffix("= 2.000 nats"))
  }
}
