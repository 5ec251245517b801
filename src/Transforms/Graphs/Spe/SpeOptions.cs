namespace Pipelines.Transforms.Graphs.Spe;

/// <summary>The form of the eigenvalue networks φ_ℓ.</summary>
public enum SpePhiKind
{
    /// <summary>Elementwise MLP <c>[φ_ℓ(λ)]_i = f_ℓ(λ_i)</c> (the reference's ZINC-full configuration); W_ℓ is then the matrix function f_ℓ(L).</summary>
    ElementwiseMlp,

    /// <summary>
    /// Masked DeepSets over the k eigenvalues: each layer computes <c>W₁x_i + W₂Σ_{j real} x_j</c> (the reference's
    /// <c>masked_spe</c>); padded eigenvalues never enter the sum.
    /// </summary>
    MaskedDeepSets,
}

/// <summary>Which columns j of the spectral tensor are summed into node i's encoding.</summary>
public enum SpeColumnScope
{
    /// <summary>All real columns, as the reference does (a node's PE then depends on the sizes of other components).</summary>
    AllColumns,

    /// <summary>Only columns of nodes in i's own connected component, so <c>PE(G₁ ∪ G₂) = PE(G₁) ∪ PE(G₂)</c>.</summary>
    SameComponent,
}

/// <summary>How the per-column ρ outputs are combined into a node's encoding.</summary>
public enum SpeColumnReduction
{
    /// <summary><c>PE_i = Σ_j ρ(W)[j, i]</c>, as the reference does (the encoding's scale, biases included, grows with n).</summary>
    Sum,

    /// <summary><c>PE_i = (1/|J_i|) Σ_{j∈J_i} ρ(W)[j, i]</c> over the summed columns J_i: the scale no longer grows with graph size.</summary>
    Mean,
}

/// <summary>Normalisation inside φ's hidden layers and ρ's GIN MLPs.</summary>
public enum SpeNormalization
{
    /// <summary>None: the encoding is a fixed function of one graph (batch-independent in training too).</summary>
    None,

    /// <summary>
    /// BatchNorm as in the reference (<c>mlp_use_bn: true</c>): after each hidden Linear of φ_ℓ (statistics per ℓ and
    /// channel over the real eigenvalues of the batch) and in each GIN layer of ρ as Linear–BN–ReLU–Linear(–BN) (statistics
    /// per channel over the real (column, node) pairs). Train steps use batch statistics; inference uses running ones.
    /// </summary>
    BatchNorm,
}

/// <summary>
/// Hyper-parameters of SPE (Huang et al., ICLR 2024): m eigenvalue networks φ_ℓ and a GIN ρ over the columns of
/// <c>W = [V diag(φ_ℓ(λ)) Vᵀ]_ℓ ∈ ℝ^{n×n×m}</c>, summed over columns to <c>PE ∈ ℝ^{n×p}</c>.
/// </summary>
/// <param name="EigenvalueFunctions">m, the number of φ_ℓ (16 for ZINC, 8 for counting).</param>
/// <param name="PhiKind">Elementwise MLP or masked DeepSets.</param>
/// <param name="PhiHiddenSize">Hidden width of each φ_ℓ (16 in the reference).</param>
/// <param name="PhiLayers">Layers of each φ_ℓ (3 in the reference: 1→h→h→1).</param>
/// <param name="RhoLayers">GIN layers of ρ (8 for ZINC, 4 for counting).</param>
/// <param name="RhoHiddenSize">Hidden width of ρ (128 for ZINC, 80 for counting).</param>
/// <param name="OutputSize">p, the PE width per node.</param>
/// <param name="ColumnScope">Which columns are summed.</param>
/// <param name="Seed">Seed of the parameter initialisation.</param>
/// <param name="ColumnReduction">Sum (reference) or mean over the columns.</param>
/// <param name="Normalization">
/// None (default) or the reference's BatchNorm (<see cref="SpeNormalization.BatchNorm"/>), whose statistics skip padded
/// eigenvalues, columns and nodes.
/// </param>
/// <remarks>
/// Without BatchNorm each GIN layer's update MLP is Linear–ReLU–Linear with ReLU between layers, and the Mean column
/// reduction is what keeps the encoding's scale from growing with n. BatchNorm (the paper's configuration) does not
/// replace it: ρ's last layer has no BatchNorm, so a Sum still grows with n (micro-ZINC, 20 epochs, 3 seeds: Sum+BN test
/// MAE 1.34, Sum 1.21, Mean+BN 0.53, Mean 0.52; benchmarks/GraphBench/results/zinc.txt).
/// </remarks>
public sealed record SpeOptions(
    int EigenvalueFunctions = 8,
    SpePhiKind PhiKind = SpePhiKind.ElementwiseMlp,
    int PhiHiddenSize = 16,
    int PhiLayers = 3,
    int RhoLayers = 3,
    int RhoHiddenSize = 32,
    int OutputSize = 16,
    SpeColumnScope ColumnScope = SpeColumnScope.AllColumns,
    int Seed = 1,
    SpeColumnReduction ColumnReduction = SpeOptions.Defaults.ColumnReduction,
    SpeNormalization Normalization = SpeOptions.Defaults.Normalization)
{
    /// <summary>Default values (also those of <c>pipelines graph train --spe-norm/--spe-reduction</c>).</summary>
    public static class Defaults
    {
        /// <summary>Column reduction: the reference's sum.</summary>
        public const SpeColumnReduction ColumnReduction = SpeColumnReduction.Sum;

        /// <summary>Normalisation: none (the encoding of a graph does not depend on its batch).</summary>
        public const SpeNormalization Normalization = SpeNormalization.None;
    }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        Check(EigenvalueFunctions, nameof(EigenvalueFunctions));
        Check(PhiHiddenSize, nameof(PhiHiddenSize));
        Check(PhiLayers, nameof(PhiLayers));
        Check(RhoLayers, nameof(RhoLayers));
        Check(RhoHiddenSize, nameof(RhoHiddenSize));
        Check(OutputSize, nameof(OutputSize));
        if (!Enum.IsDefined(PhiKind))
        {
            throw new ArgumentOutOfRangeException(nameof(PhiKind), PhiKind, "Unknown φ kind.");
        }

        if (!Enum.IsDefined(ColumnReduction))
        {
            throw new ArgumentOutOfRangeException(nameof(ColumnReduction), ColumnReduction, "Unknown column reduction.");
        }

        if (!Enum.IsDefined(Normalization))
        {
            throw new ArgumentOutOfRangeException(nameof(Normalization), Normalization, "Unknown normalisation.");
        }

        if (!Enum.IsDefined(ColumnScope))
        {
            throw new ArgumentOutOfRangeException(nameof(ColumnScope), ColumnScope, "Unknown column scope.");
        }

        static void Check(int value, string name)
        {
            if (value < 1)
            {
                throw new ArgumentOutOfRangeException(name, value, $"SpeOptions.{name} must be at least 1.");
            }
        }
    }

    /// <summary>
    /// The compact φ/ρ that <c>pipelines graph train --pe spe</c> and the demo train end to end with a small GINE:
    /// 8 elementwise φ_ℓ (16 hidden, 3 layers), a 2-layer ρ of width 16, summed over all columns.
    /// </summary>
    /// <param name="outputSize">p, the PE width per node.</param>
    /// <param name="seed">Seed of the parameter initialisation.</param>
    /// <returns>The options.</returns>
    public static SpeOptions Compact(int outputSize, int seed) =>
        new(EigenvalueFunctions: 8, RhoLayers: 2, RhoHiddenSize: 16, OutputSize: outputSize, Seed: seed);
}
