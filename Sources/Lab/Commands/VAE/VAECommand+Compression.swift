import NeuralNet
import Probability

extension VAECommand {
  // MARK: vae compress

  static let compress = CommandSpec(
    name: "compress",
    summary: "compression: the code's rate in bits per example against the raw size, and the distortion it costs",
    discussion: """
      The VAE as a lossy code: the sender draws z ~ q(z|x), the receiver decodes
      it. Sending a sample of q costs about KL(q || p) nats, plus a term of order
      log(KL + 1) (relative entropy coding: Li and El Gamal 2018; Havasi et al.
      2019). On the held-out examples (up to 2048): the rate, KL(q(z|x) || p(z))
      averaged, in nats and bits (nats / ln 2), in all and per latent dimension;
      beside it the raw size of an example (8 bits per value for data in [0, 1],
      else 32). The distortion is the reconstruction term -E log p(x|z) in nats,
      and the mean squared error per value between each example and the decode
      of its sample z, against the data's variance per value (what sending
      nothing and decoding the data's mean would cost). A larger beta buys a
      shorter code with more distortion: vae sweep draws the whole trade-off.
      """,
    arguments: NoArguments.self,
    examples: ["vae compress", "vae compress format=json"],
    action: { session, _ throws(LabError) in
      let workbench = try workbench(session)
      guard workbench.configuration.kind == .vae else {
        throw LabError(
          "a plain autoencoder's code is exact real numbers, which no finite number of bits holds: it has no rate; make a VAE (kind=vae), whose q(z|x) says how precisely z need be sent"
        )
      }
      guard workbench.data.heldOutCount > 0 else {
        throw LabError("\(workbench.data.name) has no held-out examples to measure the code on")
      }
      let compression = try LabError.stoppingOnInterrupt { () throws(Interrupted) in
        try Compression(model: workbench.model, data: workbench.data, shouldStop: session.shouldStop)
      }
      return Output(CompressionResult(compression))
    })

  struct CompressionResult: CommandResult {
    var examples: Int
    var rateNats: Double
    var rateBits: Double
    var rateBitsPerDim: [Double]
    var rawBits: Int
    var rawBitsPerValue: Int
    /// Raw size over rate; null when the rate is below 0.01 bits.
    @Nullable var ratio: Double?
    var distortion: Double
    var meanSquaredError: Double
    var dataVariance: Double
    // For the text only:
    var varianceLeft: Double?
    var dimension: Int

    enum CodingKeys: String, CodingKey {
      case examples, rateNats = "rate_nats", rateBits = "rate_bits", rateBitsPerDim = "rate_bits_per_dim"
      case rawBits = "raw_bits", rawBitsPerValue = "raw_bits_per_value", ratio, distortion
      case meanSquaredError = "mse", dataVariance = "data_variance"
    }

    init(_ c: Compression) {
      (examples, rateNats, rateBits, rateBitsPerDim, rawBits, rawBitsPerValue, ratio) = (
        c.examples, c.rate, c.rateBits, c.rateBitsPerDimension, c.rawBits, c.rawBitsPerValue, c.ratio
      )
      (distortion, meanSquaredError, dataVariance, varianceLeft, dimension) = (
        c.distortion, c.meanSquaredError, c.dataVariance, c.varianceLeft, c.dimension
      )
    }

    func text(for presentation: Presentation) -> String {
      func n(_ value: Double) -> String { NumberFormat.fixed(value, presentation.precision) }
      let stored = rawBitsPerValue == 8 ? "an 8-bit grey level each" : "a 32-bit float each"
      let smaller =
        ratio.map {
          "the code is \(NumberFormat.fixed(100 * rateBits / Double(rawBits), 2))% of it, \(NumberFormat.shortest(NumberFormat.rounded($0, significantDigits: 3))) times smaller"
        } ?? "the code is next to nothing: the model sends no information about x"
      let left =
        varianceLeft.map {
          "\(NumberFormat.shortest(NumberFormat.rounded(100 * $0, significantDigits: 2)))% of it left"
        }
        ?? "the data do not vary"
      return [
        "held-out examples: \(examples), per example",
        "rate: KL(q(z|x) || p(z)) = \(n(rateNats)) nats = \(n(rateBits)) bits, about what sending a sample z ~ q(z|x) costs",
        "  bits per latent dimension: \(rateBitsPerDim.map { NumberFormat.fixed($0, 2) }.joined(separator: " "))",
        "raw size: \(dimension) values x \(rawBitsPerValue) bits (\(stored)) = \(rawBits) bits; \(smaller)",
        "distortion: -E log p(x|z) = \(n(distortion)) nats; mean squared error per value of the decoded sample \(NumberFormat.scientific(meanSquaredError, 3))",
        "  against the data's variance per value \(NumberFormat.scientific(dataVariance, 3)) (decoding the data's mean): \(left)",
      ].joined(separator: "\n")
    }
  }
}
