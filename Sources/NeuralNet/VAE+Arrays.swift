import Probability

/// The model's entry points for callers holding arrays rather than pointers.
extension VAE {
  /// The losses of `x` (batch rows) with the given noise (batch x latent values).
  /// Specialised: evaluation's losses (Float) and gradcheck's finite differences (Double).
  @_specialize(where S == Float)
  @_specialize(where S == Double)
  public func forward(_ x: [S], noise: [S]) -> Losses {
    let batch = x.count / configuration.inputs
    return x.withUnsafeBufferPointer { xs in
      noise.withUnsafeBufferPointer { ns in
        guard let xs = xs.baseAddress, let ns = ns.baseAddress, batch > 0 else {
          return Losses(reconstruction: 0, kl: 0, beta: configuration.beta)
        }
        return forward(xs, batch: batch, noise: ns)
      }
    }
  }

  /// Forward and backward: the losses, with the gradients left in the layers.
  public func lossAndGradients(_ x: [S], noise: [S]) -> Losses {
    let losses = forward(x, noise: noise)
    x.withUnsafeBufferPointer { xs in
      noise.withUnsafeBufferPointer { ns in
        guard let xs = xs.baseAddress, let ns = ns.baseAddress else { return }
        backward(xs, batch: x.count / configuration.inputs, noise: ns)
      }
    }
    return losses
  }

  /// Encoder means and log-variances of `x`, batch x latent each.
  public func encode(_ x: [S]) -> (mu: [S], logvar: [S]) {
    x.withUnsafeBufferPointer { xs in
      guard let xs = xs.baseAddress, !x.isEmpty else { return ([], []) }
      return encode(xs, batch: x.count / configuration.inputs)
    }
  }

  /// The encoder means mu(x) of every row of `x`, rows x latent, a batch of
  /// `batchSize` rows at a time (so the hidden activations of a large file are
  /// never held at once).
  public func encoderMeans(_ x: [S], batchSize: Int = 256) -> [S] {
    let d = configuration.inputs
    var means: [S] = []
    means.reserveCapacity(x.count / d * configuration.latent)
    for start in stride(from: 0, to: x.count / d, by: batchSize) {
      let end = min(start + batchSize, x.count / d)
      means += encode(Array(x[(start * d)..<(end * d)])).mu
    }
    return means
  }

  /// Decoder means for `z`, batch x inputs.
  public func decode(_ z: [S]) -> [S] {
    z.withUnsafeBufferPointer { zs in
      guard let zs = zs.baseAddress, !z.isEmpty else { return [] }
      return decode(zs, batch: z.count / configuration.latent)
    }
  }

  /// log p(x) and its bounds for one example `x`: q(z|x) from the encoder,
  /// log p(x|z) from the decoder (see `MarginalLikelihood`).
  /// Specialised: vae bound and density call it from Lab (Float); its closure decodes at every grid point.
  @_specialize(where S == Float)
  @_specialize(where S == Double)
  public func marginalLikelihood(of x: [S]) -> MarginalLikelihood {
    let (mu, logvar) = encode(x)
    return MarginalLikelihood(mean: mu.map(Double.init), logVariance: logvar.map(Double.init)) { z, count in
      let latentPoints = z.map { S($0) }
      return x.withUnsafeBufferPointer { xs in
        latentPoints.withUnsafeBufferPointer { zs in
          guard let xs = xs.baseAddress, let zs = zs.baseAddress else { return [] }
          return self.logLikelihood(of: xs, at: zs, batch: count)
        }
      }
    }
  }
}

extension VAE {
  /// A model of the same configuration and weights, in precision T (its
  /// buffers, backend and estimator are its own).
  public func converted<T: BLASScalar>(to _: T.Type) -> VAE<T> {
    var unused = Xoshiro256StarStar(seed: 0)
    let copy = VAE<T>(configuration, generator: &unused)
    for ((_, source), (_, target)) in zip(layers, copy.layers) {
      target.weight = source.weight.map { T(Double($0)) }
      target.bias = source.bias.map { T(Double($0)) }
    }
    return copy
  }
}
