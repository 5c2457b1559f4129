import Probability

/// The gradient of the loss -ELBO = E_q[-log p(x|z)] + KL(q(z|x) || N(0, I)),
/// averaged over a few examples, with respect to each encoder tensor, estimated
/// `trials` times with independent noise by each `LatentGradientEstimator`: the
/// estimators differ only in how the reconstruction term's gradient reaches mu
/// and logvar; the KL's is added in closed form by all, and backpropagation
/// through the encoder (a linear map of those two gradients) is shared. Each
/// estimator draws its own noise, so their means are independent and can be
/// compared by their standard errors.
///
/// For 1- and 2-dimensional latents the exact gradient is there too: the
/// reconstruction term's gradient with respect to mu and logvar by quadrature
/// (`MarginalLikelihood.reconstructionGradient`), carried back through the
/// encoder in the same way, with the error of the quadrature carried alike.
public struct EncoderGradientStudy: Sendable {
  /// Per-entry mean and unbiased variance of one estimator's `trials` estimates.
  public struct Moments: Sendable {
    public var mean: [Double]
    public var variance: [Double]
    public var trials: Int

    public init(mean: [Double], variance: [Double], trials: Int) {
      (self.mean, self.variance, self.trials) = (mean, variance, trials)
    }

    /// The sum of the entries' variances: the trace of the estimate's covariance.
    public var totalVariance: Double { variance.reduce(0, +) }

    /// |mean| / standard deviation, averaged over the entries whose estimates
    /// vary (an entry that is 0 in every trial, as behind a unit ReLU never
    /// opens, has neither signal nor noise); nil when none does.
    public var signalToNoise: Double? {
      let ratios = zip(mean, variance).filter { $0.1 > 0 }.map { abs($0.0) / $0.1.squareRoot() }
      return ratios.isEmpty ? nil : ratios.reduce(0, +) / Double(ratios.count)
    }

    /// Standard errors of the means, per entry.
    public var standardErrors: [Double] { variance.map { ($0 / Double(trials)).squareRoot() } }
  }

  /// How far two means are apart in standard errors of their difference, over
  /// a tensor's entries: the root mean square (about 1 when both estimate the
  /// same gradient) and the largest, with how many entries could be compared.
  public struct Agreement: Sendable, Equatable {
    public var rootMeanSquare: Double
    public var largest: Double
    public var entries: Int

    /// From per-entry differences and their standard errors; entries whose
    /// difference has no error (both exactly 0, as behind a dead ReLU) are skipped.
    init?(differences: [Double], standardErrors: [Double]) {
      let z = zip(differences, standardErrors).filter { $0.1 > 0 }.map { abs($0.0) / $0.1 }
      guard !z.isEmpty else { return nil }
      rootMeanSquare = (z.reduce(0) { $0 + $1 * $1 } / Double(z.count)).squareRoot()
      largest = z.max() ?? 0
      entries = z.count
    }
  }

  /// One encoder tensor (named as in checkpoints: `fc1.weight`, `fc21.bias`, ...).
  public struct Tensor: Sendable {
    public var name: String
    /// In the order of `LatentGradientEstimator.allCases`.
    public var estimates: [(estimator: LatentGradientEstimator, moments: Moments)]
    /// The exact gradient and its quadrature error, per entry (1- and 2-D latents).
    public var exact: [Double]?
    public var exactError: [Double]?

    public init(
      name: String, estimates: [(estimator: LatentGradientEstimator, moments: Moments)], exact: [Double]?,
      exactError: [Double]?
    ) {
      (self.name, self.estimates, self.exact, self.exactError) = (name, estimates, exact, exactError)
    }

    public func moments(_ estimator: LatentGradientEstimator) -> Moments? {
      estimates.first { $0.estimator == estimator }?.moments
    }

    /// Estimator a's mean against estimator b's, in standard errors of the difference.
    public func agreement(_ a: LatentGradientEstimator, _ b: LatentGradientEstimator) -> Agreement? {
      guard let first = moments(a), let second = moments(b) else { return nil }
      return Agreement(
        differences: zip(first.mean, second.mean).map { $0 - $1 },
        standardErrors: zip(first.standardErrors, second.standardErrors).map { ($0 * $0 + $1 * $1).squareRoot() })
    }

    /// An estimator's mean against the exact gradient, in standard errors (the
    /// quadrature's error added in quadrature).
    public func agreementWithExact(_ estimator: LatentGradientEstimator) -> Agreement? {
      guard let estimate = moments(estimator), let exact, let exactError else { return nil }
      return Agreement(
        differences: zip(estimate.mean, exact).map { $0 - $1 },
        standardErrors: zip(estimate.standardErrors, exactError).map { ($0 * $0 + $1 * $1).squareRoot() })
    }

    /// Total variance of `estimator` over that of the pathwise estimator; nil
    /// when the pathwise estimates do not vary.
    public func varianceRatio(_ estimator: LatentGradientEstimator) -> Double? {
      guard let estimate = moments(estimator), let pathwise = moments(.pathwise), pathwise.totalVariance > 0 else {
        return nil
      }
      return estimate.totalVariance / pathwise.totalVariance
    }
  }

  public enum Failure: Error, Equatable, Sendable {
    case interrupted
    /// The quadrature for the exact gradient could not resolve q(z|x) of this example.
    case quadrature(example: Int, MarginalLikelihood.GridError)
  }

  public var tensors: [Tensor]
  /// The exact reconstruction gradients with respect to mu and logvar, per
  /// example, when the latent space is 1- or 2-D.
  public var latentGradients: [MarginalLikelihood.LatentGradient]?

  /// Rows of the decoder's passes: the trials' latent points in batches of this many.
  static let decoderRows = 4096

  /// An estimate from above of the memory a study takes, in bytes (nil beyond
  /// any count): per encoder entry, each estimator's running mean and sum of
  /// squares and a trial's copies; per trial, example and estimator, the noise,
  /// slopes and f; the decoder's batches of rows.
  public static func bytes(configuration c: VAEConfiguration, examples: Int, trials: Int) -> Int? {
    let widths = [c.inputs] + c.hidden
    let encoderEntries =
      zip(widths, widths.dropFirst()).reduce(0) { $0 + ($1.0 + 1) * $1.1 } + 2 * ((c.hidden.last ?? 0) + 1) * c.latent
    guard let perEntry = DataLoader.product([encoderEntries, 10, 8]),
      let perDraw = DataLoader.product([trials, examples, 3 * c.latent + 1, 3, 8]),
      let decoder = DataLoader.product([decoderRows, c.inputs + c.latent + 2 * (c.hidden.first ?? 0), 4, 8])
    else { return nil }
    let (sum, overflow) = perEntry.addingReportingOverflow(perDraw)
    return overflow || sum > Int.max - decoder ? nil : sum + decoder
  }

  /// The study of `model` on `x` (rows of `inputs` values), `trials` >= 2
  /// estimates per estimator; `exact` asks for the quadrature (1- and 2-D
  /// latents only; ignored beyond). `progress` hears the fraction done.
  public init<S: BLASScalar>(
    model: VAE<S>, examples x: [S], trials: Int, exact: Bool, using generator: inout Xoshiro256StarStar,
    shouldStop: () -> Bool = { false }, progress: (Double) -> Void = { _ in }
  ) throws(Failure) {
    precondition(model.configuration.kind == .vae && trials >= 2, "a study needs a VAE and two trials")
    let (d, l) = (model.configuration.inputs, model.configuration.latent)
    let batch = x.count / d
    precondition(batch >= 1 && x.count == batch * d, "x holds whole examples")
    let (mu, logvar) = model.encode(x)
    let sigma = logvar.map { S.exp($0 / 2) }
    // The gradient of the batch-mean KL: mu / batch and (sigma^2 - 1) / (2 batch).
    let scale = 1 / S(batch)
    let klMu = mu.map { $0 * scale }
    let klLogvar = sigma.map { ($0 * $0 - 1) / 2 * scale }

    // The exact latent gradients first: the quadrature runs the decoder on other batches.
    var exactLatent: [MarginalLikelihood.LatentGradient]?
    // The fraction of the work the quadrature takes, and then the estimators.
    let quadratureShare = exact && l <= 2 ? 0.25 : 0
    func estimatorProgress(_ fraction: Double) { progress(quadratureShare + (1 - quadratureShare) * fraction) }
    if exact && l <= 2 {
      var gradients: [MarginalLikelihood.LatentGradient] = []
      for example in 0..<batch {
        progress(quadratureShare * Double(example) / Double(batch))
        do {
          gradients.append(
            try model.marginalLikelihood(of: Array(x[(example * d)..<((example + 1) * d)]))
              .reconstructionGradient(shouldStop: shouldStop))
        } catch .interrupted {
          throw .interrupted
        } catch {
          throw .quadrature(example: example, error)
        }
      }
      exactLatent = gradients
    }
    latentGradients = exactLatent

    let encoderLayers = Array(model.encoderLayers)
    // One accumulator per tensor (each layer's weight, then its bias) and estimator.
    let sizes = encoderLayers.flatMap { [$0.layer.weight.count, $0.layer.bias.count] }
    var accumulators = sizes.map { size in LatentGradientEstimator.allCases.map { _ in Welford(count: size) } }
    var draws: [(estimator: LatentGradientEstimator, losses: [Double], slopes: [S], noise: [S])] = []
    for (position, estimator) in LatentGradientEstimator.allCases.enumerated() {
      // Independent noise per estimator: trials x batch x L.
      var normals = [Double](repeating: 0, count: trials * batch * l)
      normals.withUnsafeMutableBufferPointer { NormalSampler.fill($0, using: &generator) }
      let noise = normals.map { S($0) }
      var losses = [Double](repeating: 0, count: trials * batch)
      var slopes = [S](repeating: 0, count: trials * batch * l)
      var row = 0
      while row < trials * batch {
        if shouldStop() { throw .interrupted }
        let count = min(Self.decoderRows, trials * batch - row)
        var xs = [S](repeating: 0, count: count * d)
        var zs = [S](repeating: 0, count: count * l)
        for r in 0..<count {
          let example = (row + r) % batch
          for i in 0..<d { xs[r * d + i] = x[example * d + i] }
          for j in 0..<l {
            let k = example * l + j
            zs[r * l + j] = mu[k] + sigma[k] * noise[(row + r) * l + j]
          }
        }
        xs.withUnsafeBufferPointer { xp in
          zs.withUnsafeBufferPointer { zp in
            losses.withUnsafeMutableBufferPointer { lp in
              slopes.withUnsafeMutableBufferPointer { sp in
                guard let xp = xp.baseAddress, let zp = zp.baseAddress, let lp = lp.baseAddress,
                  let sp = sp.baseAddress
                else { return }
                model.reconstructionLoss(xp, at: zp, batch: count, losses: lp + row, slopes: sp + row * l)
              }
            }
          }
        }
        row += count
        estimatorProgress((Double(position) + 0.5 * Double(row) / Double(trials * batch)) / 3)
      }
      draws.append((estimator, losses, slopes, noise))
    }

    // The per-trial gradients through the encoder, and their moments.
    var interrupted = false
    let exactTensors: (fine: [[Double]], coarse: [[Double]])? = x.withUnsafeBufferPointer { xp in
      guard let xp = xp.baseAddress else { return nil }
      return model.withEncoder(xp, batch: batch) { backward in
        var gMu = [S](repeating: 0, count: batch * l)
        var gLogvar = gMu
        func collect() -> [[Double]] {
          encoderLayers.flatMap { [$0.layer.weightGradient.map(Double.init), $0.layer.biasGradient.map(Double.init)] }
        }
        for (position, draw) in draws.enumerated() {
          // Each example's total f over the trials, for the leave-one-out baseline.
          var totals = [Double](repeating: 0, count: batch)
          for (index, loss) in draw.losses.enumerated() { totals[index % batch] += loss }
          for trial in 0..<trials {
            if shouldStop() {
              interrupted = true
              return nil
            }
            for example in 0..<batch {
              let row = trial * batch + example
              let baseline =
                draw.estimator == .scoreWithBaseline
                ? LatentGradientEstimator.leaveOneOutMean(
                  excluding: draw.losses[row], total: totals[example], count: trials) : 0
              let value = S(draw.losses[row] - baseline) * scale
              for j in 0..<l {
                let k = example * l + j
                let (rMu, rLogvar) = draw.estimator.reconstructionGradient(
                  value: value, slope: draw.slopes[row * l + j] * scale, noise: draw.noise[row * l + j],
                  sigma: sigma[k])
                gMu[k] = rMu + klMu[k]
                gLogvar[k] = rLogvar + klLogvar[k]
              }
            }
            backward(gMu, gLogvar)
            for (t, tensor) in collect().enumerated() { accumulators[t][position].add(tensor) }
            estimatorProgress((Double(position) + 0.5 + 0.5 * Double(trial + 1) / Double(trials)) / 3)
          }
        }
        guard let exactLatent else { return nil }
        // The exact gradient, and the same from the coarser quadrature for its error.
        func carried(_ choose: (MarginalLikelihood.LatentGradient) -> (mean: [Double], logVariance: [Double]))
          -> [[Double]]
        {
          for (example, gradient) in exactLatent.enumerated() {
            let (m, v) = choose(gradient)
            for j in 0..<l {
              let k = example * l + j
              gMu[k] = S(m[j]) * scale + klMu[k]
              gLogvar[k] = S(v[j]) * scale + klLogvar[k]
            }
          }
          backward(gMu, gLogvar)
          return collect()
        }
        return (carried { ($0.mean, $0.logVariance) }, carried { ($0.coarseMean, $0.coarseLogVariance) })
      }
    }
    if interrupted { throw .interrupted }
    let names = encoderLayers.flatMap { ["\($0.name).weight", "\($0.name).bias"] }
    tensors = names.enumerated().map { t, name in
      Tensor(
        name: name,
        estimates: LatentGradientEstimator.allCases.enumerated().map { position, estimator in
          (estimator, accumulators[t][position].moments)
        },
        exact: exactTensors?.fine[t],
        exactError: exactTensors.map { zip($0.fine[t], $0.coarse[t]).map { abs($0 - $1) } })
    }
  }
}

/// Per-entry running mean and sum of squared deviations (Welford's update).
struct Welford {
  var count = 0
  var mean: [Double]
  var squares: [Double]

  init(count entries: Int) {
    mean = Array(repeating: 0, count: entries)
    squares = mean
  }

  mutating func add(_ values: [Double]) {
    count += 1
    let n = Double(count)
    for i in values.indices {
      let delta = values[i] - mean[i]
      mean[i] += delta / n
      squares[i] += delta * (values[i] - mean[i])
    }
  }

  var moments: EncoderGradientStudy.Moments {
    EncoderGradientStudy.Moments(
      mean: mean, variance: squares.map { count > 1 ? $0 / Double(count - 1) : 0 }, trials: count)
  }
}
