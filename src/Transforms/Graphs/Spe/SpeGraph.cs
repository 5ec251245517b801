using Pipelines.Onnx;

namespace Pipelines.Transforms.Graphs.Spe;

/// <summary>Names of the padded batch tensors an SPE graph reads (B graphs, N = largest node count, K = eigenpairs).</summary>
public static class SpeTensorNames
{
    /// <summary>Eigenvalues λ, <c>(B, K)</c>, zero-padded.</summary>
    public const string Eigenvalues = "spe_eigenvalues";

    /// <summary>1 for real eigenpairs, 0 for padding, <c>(B, K)</c>.</summary>
    public const string EigenvalueMask = "spe_eigenvalue_mask";

    /// <summary>Eigenvectors V, <c>(B, N, K)</c>, zero-padded in both axes.</summary>
    public const string Eigenvectors = "spe_eigenvectors";

    /// <summary>0/1 adjacency A, <c>(B, N, N)</c>, zero for padded nodes.</summary>
    public const string Adjacency = "adjacency";

    /// <summary>1 for real nodes, <c>(B, N)</c>.</summary>
    public const string NodeMask = "node_mask";

    /// <summary>Which column j contributes to node i, <c>(B, N_j, N_i)</c> (see <see cref="SpeColumnScope"/>).</summary>
    public const string ColumnMask = "spe_column_mask";

    /// <summary>The encoding output, <c>(B, N, p)</c>.</summary>
    public const string Encoding = "spe_encoding";

    /// <summary>Optional diagnostic output: the spectral tensor <c>W</c>, <c>(B, m, N, N)</c>.</summary>
    public const string SpectralTensor = "spe_spectral_tensor";
}

/// <summary>
/// Builds SPE's forward pass as ONNX nodes:
/// <c>z_ℓ = φ_ℓ(λ) ⊙ mask</c>; <c>W_ℓ = V diag(z_ℓ) Vᵀ</c>; for each column j, <c>X⁽ʲ⁾ = W[:, j, :] ∈ ℝ^{n×m}</c> runs
/// through one shared GIN <c>h_i ← MLP((1+ε)h_i + Σ_{u∈N(i)} h_u)</c>; <c>PE_i = Σ_j M_{ji} GIN(X⁽ʲ⁾)_i</c>.
/// </summary>
/// <remarks>
/// Padding cannot leak: padded eigenvalues are masked after φ and padded columns of V are zero; padded nodes have no
/// edges, so they never reach a real node through A; padded columns are dropped by the column mask and padded rows
/// zeroed at the output. The batch tensor of the GIN is <c>(B, N_j, N_i, c)</c>, so memory is O(B·N²·hidden).
/// </remarks>
public static class SpeGraph
{
    /// <summary>
    /// Appends SPE to <paramref name="b"/>, reading the <see cref="SpeTensorNames"/> inputs (which the caller declares)
    /// and returning the name of the <c>(B, N, p)</c> encoding value.
    /// </summary>
    /// <param name="b">The builder.</param>
    /// <param name="parameters">φ and ρ parameters (added as initializers).</param>
    /// <param name="elementType">Float or Double.</param>
    /// <param name="spectralTensor">Receives the name of the <c>(B, m, N, N)</c> tensor W.</param>
    /// <param name="mode">
    /// With <see cref="SpeNormalization.BatchNorm"/>: batch statistics and running-statistics updates (train step) or
    /// running statistics (inference, the default). Ignored without normalisation.
    /// </param>
    public static string Append(GraphBuilder b, SpeParameters parameters, TensorElementType elementType, out string spectralTensor, NormalizationMode mode = NormalizationMode.Inference)
    {
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(parameters);
        (SpeOptions o, string one, bool norm) = Begin(b, parameters, elementType);

        // φ: λ (B,K) → (B,1,K,1) → per-ℓ networks → (B,m,K,1) → (B,m,K). BatchNorm per (ℓ, channel) over the real
        // eigenvalues of the batch: (B,m,K,h) reduced over B and K.
        string x = b.Op("Unsqueeze", SpeTensorNames.Eigenvalues, b.Int64s("spe_axes_1_3", 1, 3));
        string maskBk = b.Op("Unsqueeze", SpeTensorNames.EigenvalueMask, b.Int64s("spe_axes_1_3", 1, 3)); // (B,1,K,1)
        Func<string, string>? pool = o.PhiKind == SpePhiKind.MaskedDeepSets
            ? h => b.Op("ReduceSum", [b.Op("Mul", h, maskBk), b.Int64s("spe_axis_2", 2)], OnnxAttribute.Int("keepdims", 1)) // Σ over real eigenvalues only: (B,m|1,1,fin)
            : null;
        x = Phi(b, x, o, norm, pool, maskBk, mode, elementType);

        string z = b.Op("Squeeze", x, b.Int64s("spe_axis_3", 3)); // (B,m,K)
        z = b.Op("Mul", z, b.Op("Unsqueeze", SpeTensorNames.EigenvalueMask, b.Int64s("spe_axis_1", 1))); // mask padded λ

        // W = (V ⊙ z) Vᵀ : (B,1,N,K) ⊙ (B,m,1,K) @ (B,1,K,N) → (B,m,N,N).
        string v4 = b.Op("Unsqueeze", SpeTensorNames.Eigenvectors, b.Int64s("spe_axis_1", 1));
        string z4 = b.Op("Unsqueeze", z, b.Int64s("spe_axis_2", 2));
        string vt4 = b.Op("Transpose", [v4], OnnxAttribute.IntList("perm", 0, 1, 3, 2));
        string w = b.Op("MatMul", b.Op("Mul", v4, z4), vt4);
        spectralTensor = w;

        // ρ: X[b, j, i, ℓ] = W[b, ℓ, i, j]; GIN over i for every column j.
        string h = b.Op("Transpose", [w], OnnxAttribute.IntList("perm", 0, 3, 2, 1));
        string a4 = b.Op("Unsqueeze", SpeTensorNames.Adjacency, b.Int64s("spe_axis_1", 1)); // (B,1,N,N)
        string? pairs = norm
            ? b.Op("Mul", b.Op("Unsqueeze", SpeTensorNames.NodeMask, b.Int64s("spe_axes_2_3", 2, 3)), b.Op("Unsqueeze", SpeTensorNames.NodeMask, b.Int64s("spe_axes_1_3", 1, 3)))
            : null; // (B,N_j,N_i,1): real column j and real node i
        for (int layer = 0; layer < o.RhoLayers; layer++)
        {
            string agg = b.Op("MatMul", a4, h); // (B,N_j,N_i,c): Σ_u A[i,u] h[j,u]
            h = RhoLayer(b, h, agg, one, layer, o, norm, (u, names) => MaskedBatchNorm.Append(b, u, pairs, names, [0, 1, 2], mode, elementType));
        }

        // PE_i = Σ_j M[j,i] h[j,i,:], then zero padded rows.
        string cm = b.Op("Unsqueeze", SpeTensorNames.ColumnMask, b.Int64s("spe_axis_3", 3));
        string pe = b.Op("ReduceSum", [b.Op("Mul", h, cm), b.Int64s("spe_axis_1", 1)], OnnxAttribute.Int("keepdims", 0));
        if (o.ColumnReduction == SpeColumnReduction.Mean)
        {
            // |J_i| = Σ_j M[j,i] (B,N_i,1); padded rows have none, so divide by max(|J_i|, 1).
            string count = b.Op("ReduceSum", [cm, b.Int64s("spe_axis_1", 1)], OnnxAttribute.Int("keepdims", 0));
            pe = b.Op("Div", pe, b.Op("Max", count, one));
        }

        string nm = b.Op("Unsqueeze", SpeTensorNames.NodeMask, b.Int64s("spe_axis_2", 2));
        return b.Op("Mul", pe, nm);
    }

    /// <summary>What both layouts start with: the options, φ/ρ as initializers, the constant 1 and whether BatchNorm is on.</summary>
    internal static (SpeOptions Options, string One, bool Norm) Begin(GraphBuilder b, SpeParameters parameters, TensorElementType elementType)
    {
        parameters.AddInitializers(b, elementType);
        return (parameters.Options, b.Scalar(1.0, elementType, "spe_one"), parameters.Options.Normalization == SpeNormalization.BatchNorm);
    }

    /// <summary>
    /// φ's stack on <paramref name="x"/> (<c>(·,m|1,K,fin)</c>): per layer <c>x W (+ pool(x) W_sum) + b</c>, BatchNorm
    /// (masked by <paramref name="mask"/>, statistics over axes 0 and 2) and ReLU between layers; <paramref name="pool"/>
    /// is masked DeepSets' Σ over a graph's eigenvalues, or <see langword="null"/> (element-wise MLP).
    /// </summary>
    internal static string Phi(GraphBuilder b, string x, SpeOptions o, bool norm, Func<string, string>? pool, string? mask, NormalizationMode mode, TensorElementType elementType)
    {
        for (int layer = 0; layer < o.PhiLayers; layer++)
        {
            string y = b.Op("MatMul", x, $"spe.phi.{layer}.w");
            if (pool is not null)
            {
                y = b.Op("Add", y, b.Op("MatMul", pool(x), $"spe.phi.{layer}.w_sum"));
            }

            y = b.Op("Add", y, $"spe.phi.{layer}.b");
            if (norm && layer < o.PhiLayers - 1)
            {
                y = MaskedBatchNorm.Append(b, y, mask, PhiNorm(layer), [0, 2], mode, elementType);
            }

            x = layer < o.PhiLayers - 1 ? b.Op("Relu", y) : y;
        }

        return x;
    }

    /// <summary>
    /// One GIN layer of ρ: <c>MLP((1+ε) h + agg)</c> (two Linears, ReLU between; <paramref name="normalize"/> after each
    /// but the last layer's second), then ReLU unless it is the last layer.
    /// </summary>
    internal static string RhoLayer(GraphBuilder b, string h, string agg, string one, int layer, SpeOptions o, bool norm, Func<string, BatchNormNames, string> normalize)
    {
        string u = b.Op("Add", b.Op("Mul", h, b.Op("Add", one, $"spe.rho.{layer}.eps")), agg);
        u = b.Op("Add", b.Op("MatMul", u, $"spe.rho.{layer}.w0"), $"spe.rho.{layer}.b0");
        u = b.Op("Relu", norm ? normalize(u, RhoNorm(layer, 0)) : u);
        u = b.Op("Add", b.Op("MatMul", u, $"spe.rho.{layer}.w1"), $"spe.rho.{layer}.b1");
        if (norm && layer < o.RhoLayers - 1)
        {
            u = normalize(u, RhoNorm(layer, 1));
        }

        return layer < o.RhoLayers - 1 ? b.Op("Relu", u) : u;
    }

    /// <summary>The BatchNorm after φ's hidden layer <paramref name="layer"/>: statistics shape <c>(1, m, 1, h)</c>.</summary>
    internal static BatchNormNames PhiNorm(int layer) => BatchNormNames.ForPrefix($"spe.phi.{layer}.bn");

    /// <summary>The BatchNorm after ρ layer <paramref name="layer"/>'s Linear <paramref name="linear"/> (0 or 1): statistics shape <c>(1, 1, 1, c)</c>.</summary>
    internal static BatchNormNames RhoNorm(int layer, int linear) => BatchNormNames.ForPrefix($"spe.rho.{layer}.bn{linear}");

    /// <summary>Declares the SPE inputs on <paramref name="b"/> with symbolic dims <c>batch</c>, <c>nodes</c>, <c>k</c>.</summary>
    public static void DeclareInputs(GraphBuilder b, TensorElementType elementType, bool includeGraphInputs = true)
    {
        ArgumentNullException.ThrowIfNull(b);
        b.Input(SpeTensorNames.Eigenvalues, elementType, "batch", "k");
        b.Input(SpeTensorNames.EigenvalueMask, elementType, "batch", "k");
        b.Input(SpeTensorNames.Eigenvectors, elementType, "batch", "nodes", "k");
        if (includeGraphInputs)
        {
            b.Input(SpeTensorNames.Adjacency, elementType, "batch", "nodes", "nodes");
            b.Input(SpeTensorNames.NodeMask, elementType, "batch", "nodes");
        }

        b.Input(SpeTensorNames.ColumnMask, elementType, "batch", "nodes", "nodes");
    }

    /// <summary>A standalone encoder model: SPE inputs → <see cref="SpeTensorNames.Encoding"/> <c>(B, N, p)</c>.</summary>
    /// <param name="parameters">φ and ρ parameters.</param>
    /// <param name="elementType">Float (deployment) or Double (stability measurements).</param>
    /// <param name="exposeSpectralTensor">Also output <see cref="SpeTensorNames.SpectralTensor"/> (diagnostics and tests).</param>
    public static OnnxModel CreateEncoderModel(SpeParameters parameters, TensorElementType elementType = TensorElementType.Float, bool exposeSpectralTensor = false)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (elementType is not (TensorElementType.Float or TensorElementType.Double))
        {
            throw new ArgumentOutOfRangeException(nameof(elementType), elementType, "SPE graphs are Float or Double.");
        }

        var b = new GraphBuilder("spe_encoder");
        DeclareInputs(b, elementType);
        string pe = Append(b, parameters, elementType, out string w);
        b.Output(pe, SpeTensorNames.Encoding);
        if (exposeSpectralTensor)
        {
            b.Output(w, SpeTensorNames.SpectralTensor);
        }

        OnnxModel model = b.ToModel();
        model.DocString = $"SPE positional encoder (Huang et al., ICLR 2024): m={parameters.Options.EigenvalueFunctions}, φ={parameters.Options.PhiKind}, ρ=GIN×{parameters.Options.RhoLayers}, p={parameters.Options.OutputSize}.";
        return model;
    }
}
