import Probability

/// How complete and how continuous a model's latent space is, measured on its
/// decodes (the decoder's mean output), for comparing a VAE with a plain
/// autoencoder of the same size (the claims of Rocca, "Understanding
/// Variational Autoencoders", 2019: the KL term makes the latent space
/// complete and continuous; a plain autoencoder's is neither).
///
/// Completeness: decode samples of the latent distribution and ask how close
/// each comes to real data, measured against how close the model's own
/// reconstructions come. Continuity: decode along straight lines between
/// encodings and ask whether the decodes change gradually, and how much a
/// small latent step changes a decode.
///
/// Distances are Euclidean in the input space; "nearest" is over the training
/// examples. Every figure is a ratio, free of the data's scale and of the
/// latent space's.
public struct LatentSpaceQuality: Sendable, Equatable {
  /// Where latent samples come from: the prior N(0, I) for a VAE; for a plain
  /// autoencoder, which has no prior, N(m, diag s^2) with m and s^2 its
  /// codes' mean and variance per dimension over the training set (the most
  /// favourable Gaussian it could be given).
  public enum SamplingDistribution: String, Sendable, Equatable {
    case prior
    case fittedToCodes = "fitted to codes"
  }
  public var sampling: SamplingDistribution

  // Completeness.
  /// Median, over decoded latent samples, of the distance to the nearest
  /// training example, divided by the same median for reconstructions of
  /// held-out examples. Near 1: samples land as near real data as
  /// reconstructions do. Lower is better.
  public var sampleDistanceRatio: Double
  /// The share of decoded latent samples no farther from the nearest training
  /// example than 90% of held-out reconstructions are. Higher is better (0.9
  /// is as good as reconstructions).
  public var plausibleShare: Double

  // Continuity.
  /// Along the line between two held-out encodings, decoded at `lineSteps`
  /// points: the largest step between consecutive decodes as a share of the
  /// path's total length, averaged over pairs. 1 / (lineSteps - 1) when the
  /// change is even; 1 when it all happens in one jump. Lower is better.
  public var largestStepShare: Double
  /// The decoded path's length divided by the distance between its ends,
  /// averaged over pairs: 1 for a straight path, more for detours through
  /// decodes unlike either end. Lower is better.
  public var pathStretch: Double
  /// A local Lipschitz constant of the decoder around held-out encodings, in
  /// scale-free units: the decode's change for a latent step of h (5% of the
  /// codes' spread), per spread, divided by the median distance between the
  /// reconstructions of two held-out examples; the median over examples of
  /// the largest over `directions` random directions. Lower is smoother.
  public var localLipschitz: Double

  public struct Settings: Sendable {
    public var samples = 256
    public var pairs = 64
    public var lineSteps = 16
    public var lipschitzExamples = 64
    public var directions = 8
    public var seed: UInt64 = 0x1A7E
    public init() {}
  }

  /// Measures `model` against its training and held-out examples (row-major).
  /// Asks `shouldStop` between pieces of work.
  public init(
    model: VAE<Float>, training: [Float], heldOut: [Float], settings: Settings = Settings(),
    shouldStop: () -> Bool = { false }
  ) throws(Interrupted) {
    let c = model.configuration
    let (d, l) = (c.inputs, c.latent)
    let heldOutCount = heldOut.count / d
    var generator = Xoshiro256StarStar(seed: settings.seed)
    let reference = training.rows(width: d)
    func nearestDistance(_ x: [Float]) -> Double {
      reference.reduce(Double.infinity) { min($0, Self.distance(x, $1)) }
    }

    let codeMoments = Self.codeMoments(model, training: training)
    sampling = c.kind == .vae ? .prior : .fittedToCodes
    let z = Self.latentSamples(settings.samples, model: model, codeMoments: codeMoments, generator: &generator)
    let samples = model.decode(z).rows(width: d)
    let heldOutCodes = model.encoderMeans(heldOut)
    let reconstructions = model.decode(heldOutCodes).rows(width: d)
    if shouldStop() { throw Interrupted() }
    var sampleDistances: [Double] = []
    for sample in samples {
      sampleDistances.append(nearestDistance(sample))
      if shouldStop() { throw Interrupted() }
    }
    let reconstructionDistances = reconstructions.map(nearestDistance).sorted()
    let typicalReconstruction = max(Self.median(reconstructionDistances), 1e-12)
    sampleDistanceRatio = Self.median(sampleDistances) / typicalReconstruction
    let ninetieth = reconstructionDistances[
      min(reconstructionDistances.count - 1, reconstructionDistances.count * 9 / 10)]
    plausibleShare = Double(sampleDistances.count { $0 <= ninetieth }) / Double(sampleDistances.count)

    // Lines between random pairs of held-out encodings.
    var shares: [Double] = []
    var stretches: [Double] = []
    let codes = heldOutCodes.rows(width: l).map { $0.map(Double.init) }
    for _ in 0..<settings.pairs {
      let i = Int(generator.next() % UInt64(heldOutCount))
      let j = Int(generator.next() % UInt64(heldOutCount))
      guard i != j else { continue }
      let line = LatentPaths.line(from: codes[i], to: codes[j], steps: settings.lineSteps)
      let decodes = model.decode(line.flatMap { $0.map(Float.init) }).rows(width: d)
      let rounding = Self.roundingDistance(decodes[0])
      let steps = zip(decodes, decodes.dropFirst()).map { Self.distance($0, $1, beyond: rounding) }
      let length = steps.reduce(0, +)
      let ends = Self.distance(decodes[0], decodes[decodes.count - 1], beyond: rounding)
      // Decodes the same to rounding along the line have no shape to measure.
      guard length > 0, ends > 0 else { continue }
      shares.append((steps.max() ?? 0) / length)
      stretches.append(length / ends)
    }
    largestStepShare = shares.isEmpty ? 0 : shares.reduce(0, +) / Double(shares.count)
    pathStretch = stretches.isEmpty ? 1 : stretches.reduce(0, +) / Double(stretches.count)

    // The decoder's local slope around encodings, in units of the codes' spread.
    let codeSpread = (codeMoments.reduce(0) { $0 + $1.variance } / Double(l)).squareRoot()
    let h = 0.05 * max(codeSpread, 1e-12)
    var pairDistances: [Double] = []
    for _ in 0..<settings.pairs {
      let i = Int(generator.next() % UInt64(heldOutCount))
      let j = Int(generator.next() % UInt64(heldOutCount))
      if i != j { pairDistances.append(Self.distance(reconstructions[i], reconstructions[j])) }
    }
    let typicalChange = max(Self.median(pairDistances), 1e-12)
    var slopes: [Double] = []
    for example in 0..<min(settings.lipschitzExamples, heldOutCount) {
      if shouldStop() { throw Interrupted() }
      var points = [codes[example]]
      for _ in 0..<settings.directions {
        let direction = (0..<l).map { _ in NormalSampler.next(using: &generator) }
        let norm = direction.reduce(0) { $0 + $1 * $1 }.squareRoot()
        points.append(zip(codes[example], direction).map { $0 + h * $1 / norm })
      }
      let decodes = model.decode(points.flatMap { $0.map(Float.init) }).rows(width: d)
      let rounding = Self.roundingDistance(decodes[0])
      let largest = decodes.dropFirst().map { Self.distance($0, decodes[0], beyond: rounding) }.max() ?? 0
      slopes.append(largest / (h / max(codeSpread, 1e-12)) / typicalChange)
    }
    localLipschitz = Self.median(slopes)
  }

  /// Each latent dimension's mean and variance of the encoder means over `training`.
  public static func codeMoments(_ model: VAE<Float>, training: [Float]) -> [RunningMoments] {
    RunningMoments.columns(of: model.encoderMeans(training), width: model.configuration.latent)
  }

  /// `count` latent samples, row-major, from the distribution `SamplingDistribution`
  /// names for this model: the prior for a VAE, the Gaussian of `codeMoments` for an autoencoder.
  public static func latentSamples(
    _ count: Int, model: VAE<Float>, codeMoments: [RunningMoments], generator: inout Xoshiro256StarStar
  ) -> [Float] {
    let l = model.configuration.latent
    let isVAE = model.configuration.kind == .vae
    return (0..<(count * l)).map { index in
      let normal = NormalSampler.next(using: &generator)
      let moments = codeMoments[index % l]
      return Float(isVAE ? normal : moments.mean + moments.variance.squareRoot() * normal)
    }
  }

  /// How far apart two decodes of the same point can be by rounding alone:
  /// BLAS kernels round rows differently (a constant decoder's rows differed by
  /// one ulp on an AMD EPYC with OpenBLAS 0.3.21), so 64 single-precision ulps
  /// of each value, summed in quadrature: 64 eps ||x||, with eps = 2^-23.
  static func roundingDistance(_ decode: [Float]) -> Double {
    64 * Double(Float.ulpOfOne) * (distance(decode, [Float](repeating: 0, count: decode.count)) + 1e-30)
  }

  /// The distance, or 0 when it is within `rounding`.
  static func distance(_ a: [Float], _ b: [Float], beyond rounding: Double) -> Double {
    let value = distance(a, b)
    return value > rounding ? value : 0
  }

  static func distance(_ a: [Float], _ b: [Float]) -> Double {
    var sum = 0.0
    for k in a.indices {
      let difference = Double(a[k]) - Double(b[k])
      sum += difference * difference
    }
    return sum.squareRoot()
  }

  /// The median (the mean of the middle two for an even count; 0 for none).
  static func median(_ values: [Double]) -> Double {
    let ordered = values.sorted()
    guard !ordered.isEmpty else { return 0 }
    let middle = ordered.count / 2
    return ordered.count % 2 == 1 ? ordered[middle] : (ordered[middle - 1] + ordered[middle]) / 2
  }
}
