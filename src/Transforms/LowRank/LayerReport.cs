namespace Pipelines.Transforms.LowRank;

/// <summary>What initialisation did to one target.</summary>
/// <param name="Module">The module name.</param>
/// <param name="Initializer">The base weight's initializer name.</param>
/// <param name="Role">The structural role's short name (q, k, v, o, ffn-in, ffn-out, pooler, other).</param>
/// <param name="Layer">The transformer layer, or -1.</param>
/// <param name="Rows">Input features (rows of the in×out weight).</param>
/// <param name="Cols">Output features.</param>
/// <param name="Rank">Rank r.</param>
/// <param name="Alpha">α.</param>
/// <param name="CapturedEnergy">‖s·A·B‖_F² / ‖W‖_F²: the share of the weight's energy moved into the adapter.</param>
/// <param name="RelError">‖W − s·A·B‖_F / ‖W‖_F, measured on the written residual (LoftQ: ‖W − (Q + s·A·B)‖_F / ‖W‖_F).</param>
/// <param name="OptimalRelError">√(Σ_{i&gt;r}σᵢ²)/‖W‖_F (Eckart–Young), when the full spectrum was computed; else NaN.</param>
/// <param name="ErrorBound">
/// A bound on the spectral error ‖W − s·A·B‖₂: σ_{r+1} for exact PiSSA, σ₁ for MiLoRA, Halko's probabilistic
/// bound for PiSSA-fast when probes were asked for; NaN otherwise.
/// </param>
/// <param name="PowerIterations">Power iterations run (PiSSA-fast), else 0.</param>
/// <param name="Seconds">Time spent on this target.</param>
public sealed record LayerReport(
    string Module,
    string Initializer,
    string Role,
    int Layer,
    int Rows,
    int Cols,
    int Rank,
    float Alpha,
    double CapturedEnergy,
    double RelError,
    double OptimalRelError,
    double ErrorBound,
    int PowerIterations,
    double Seconds)
{
    /// <summary>RelError / OptimalRelError − 1 (NaN when the optimum is unknown).</summary>
    public double ExcessError => OptimalRelError > 0 ? (RelError / OptimalRelError) - 1 : double.NaN;
}

/// <summary>The outcome of <see cref="LowRankInitializer.Initialize"/> for the whole model.</summary>
/// <param name="Method">The method.</param>
/// <param name="Layers">One row per target, in graph order.</param>
/// <param name="Seconds">Wall time of the factorisations and the rewrite.</param>
public sealed record InitializationReport(LowRankMethod Method, IReadOnlyList<LayerReport> Layers, double Seconds)
{
    /// <summary>Trainable adapter parameters (Σ r·(in + out)).</summary>
    public long TrainableParameters => Layers.Sum(l => (long)l.Rank * (l.Rows + l.Cols));
}
