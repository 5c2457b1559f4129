extension VAE {
  /// Per-example averages over a batch, in nats, with the weight KL had in training.
  public struct Losses: Sendable, Equatable {
    public var reconstruction: Double
    /// KL(q(z|x) || p(z)); zero for the plain autoencoder, which has no q.
    public var kl: Double
    /// The KL term's weight in this step: beta times the schedule's weight.
    public var beta: Double
    /// The KL term as the objective counts it: with free bits, the sum over
    /// dimensions of max(free bits, the dimension's batch-mean KL); else `kl`.
    public var penalisedKL: Double

    public init(reconstruction: Double, kl: Double, beta: Double, penalisedKL: Double? = nil) {
      self.reconstruction = reconstruction
      self.kl = kl
      self.beta = beta
      self.penalisedKL = penalisedKL ?? kl
    }

    /// -ELBO = reconstruction + KL (Kingma and Welling 2014, eq. 3): the negative of the bound on log p(x).
    public var negativeELBO: Double { reconstruction + kl }
    /// What training minimises: reconstruction + beta KL (Higgins et al. 2017),
    /// the KL with free bits when they are on; -ELBO only when beta = 1 without them.
    public var objective: Double { reconstruction + beta * penalisedKL }
  }
}
