using Pipelines.Onnx;

namespace Pipelines.Transforms.Graphs.Spe;

/// <summary>
/// SPE's forward pass in the <see cref="SpeBatchLayout.Blocks"/> layout: the same function of the same
/// <see cref="SpeParameters"/> as <see cref="SpeGraph"/>, without padding. φ runs on the stacked eigenvalues
/// <c>(1, 1, D, 1) → (1, m, D, 1)</c>; <c>W[(j,i), ℓ] = Σ_q V_g[i,q] V_g[j,q] z_ℓ[q]</c> is a row scatter-add (ScatterElements, GraphBuilder.ScatterAddRows) of the
/// per-graph triplets into <c>(P, m)</c>; each ρ layer gathers <c>h[(j,u)]</c> along the per-pair edge lists and
/// scatters into <c>(j,i)</c>; the readout scatters <c>M[j,i]·h[(j,i)]</c> into node i's row, <c>(V, p)</c>.
/// </summary>
/// <remarks>
/// Memory is <c>O(Σ_g n_g²·(m + c) + Σ_g n_g²·d_g)</c> instead of <c>O(B·N²·(m + c))</c>; BatchNorm statistics are taken
/// over the same real entries as the padded layout (every stacked entry is real here).
/// </remarks>
public static class SpeBlockGraph
{
    /// <summary>Declares the <see cref="SpeBlockTensorNames"/> inputs (symbolic dims eigenvalues, triplets, pairs, pair_edges, stacked_nodes).</summary>
    /// <param name="b">The builder.</param>
    /// <param name="elementType">Float or Double.</param>
    /// <param name="options">SPE options (masked DeepSets also reads the eigenvalue-graph tensor).</param>
    public static void DeclareInputs(GraphBuilder b, TensorElementType elementType, SpeOptions options)
    {
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(options);
        const TensorElementType I64 = TensorElementType.Int64;
        b.Input(SpeBlockTensorNames.Eigenvalues, elementType, "eigenvalues");
        if (options.PhiKind == SpePhiKind.MaskedDeepSets)
        {
            b.Input(SpeBlockTensorNames.EigenvalueGraph, elementType, "batch", "eigenvalues");
        }

        b.Input(SpeBlockTensorNames.TripletWeight, elementType, "triplets", 1);
        b.Input(SpeBlockTensorNames.TripletEigenvalue, I64, "triplets");
        b.Input(SpeBlockTensorNames.TripletPair, I64, "triplets", 1);
        b.Input(SpeBlockTensorNames.PairEdgeSource, I64, "pair_edges");
        b.Input(SpeBlockTensorNames.PairEdgeTarget, I64, "pair_edges", 1);
        b.Input(SpeBlockTensorNames.PairNode, I64, "pairs", 1);
        b.Input(SpeBlockTensorNames.PairColumnMask, elementType, "pairs", 1);
        b.Input(SpeBlockTensorNames.ColumnCount, elementType, "stacked_nodes", 1);
    }

    /// <summary>Appends SPE to <paramref name="b"/> (inputs declared by <see cref="DeclareInputs"/>) and returns the <c>(V, p)</c> encoding.</summary>
    /// <param name="b">The builder.</param>
    /// <param name="parameters">φ and ρ parameters (added as initializers).</param>
    /// <param name="elementType">Float or Double.</param>
    /// <param name="mode">BatchNorm's statistics (see <see cref="SpeGraph.Append"/>).</param>
    public static string Append(GraphBuilder b, SpeParameters parameters, TensorElementType elementType, NormalizationMode mode = NormalizationMode.Inference)
    {
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(parameters);
        (SpeOptions o, string one, bool norm) = SpeGraph.Begin(b, parameters, elementType);
        OnnxAttribute zero = OnnxAttribute.Tensor("value", elementType == TensorElementType.Double
            ? OnnxTensor.FromDoubles("value", [0.0], 1)
            : OnnxTensor.FromFloats("value", [0f], 1));
        string Zeros(params string[] dims) => b.Op("ConstantOfShape", [b.Op("Concat", dims, OnnxAttribute.Int("axis", 0))], zero);

        // φ: λ (D) → (1,1,D,1) → per-ℓ networks → (1,m,D,1), the padded layout's (B,m,K,·) with B = 1 and K = D.
        string x = b.Op("Reshape", SpeBlockTensorNames.Eigenvalues, b.Int64s("spe_block_phi_in", 1, 1, -1, 1));
        string? graphT = o.PhiKind == SpePhiKind.MaskedDeepSets
            ? b.Op("Transpose", [SpeBlockTensorNames.EigenvalueGraph], OnnxAttribute.IntList("perm", 1, 0))
            : null; // (D,B)
        Func<string, string>? pool = graphT is null
            ? null
            : h => b.Op("MatMul", graphT, b.Op("MatMul", SpeBlockTensorNames.EigenvalueGraph, h)); // per-graph Σ over its eigenvalues, broadcast back: (D,B)@((B,D)@x)
        x = SpeGraph.Phi(b, x, o, norm, pool, mask: null, mode, elementType);

        int m = o.EigenvalueFunctions;
        string z = b.Op("Transpose", [b.Op("Reshape", x, b.Int64s("spe_block_phi_out", m, -1))], OnnxAttribute.IntList("perm", 1, 0)); // (D,m)

        // W: (P,m) = Σ over triplets of weight · z[q]
        string mDim = b.Int64s("spe_block_m", m);
        string pDim = b.Op("Gather", [b.Op("Shape", SpeBlockTensorNames.PairNode), b.Int64s("spe_block_axis0", 0)]);
        string terms = b.Op("Mul", b.Op("Gather", [z, SpeBlockTensorNames.TripletEigenvalue], OnnxAttribute.Int("axis", 0)), SpeBlockTensorNames.TripletWeight);
        string h = b.ScatterAddRows(Zeros(pDim, mDim), SpeBlockTensorNames.TripletPair, terms);

        // ρ: GIN over i for every column j, messages along the per-pair edge lists.
        for (int layer = 0; layer < o.RhoLayers; layer++)
        {
            string c = b.Op("Shape", h);
            string msg = b.Op("Gather", [h, SpeBlockTensorNames.PairEdgeSource], OnnxAttribute.Int("axis", 0));
            string agg = b.ScatterAddRows(b.Op("ConstantOfShape", [c], zero), SpeBlockTensorNames.PairEdgeTarget, msg);
            h = SpeGraph.RhoLayer(b, h, agg, one, layer, o, norm, (u, names) => PairNorm(b, u, names, mode, elementType));
        }

        // PE_i = Σ_j M[j,i] h[(j,i)]: (V,p)
        string vDim = b.Op("Gather", [b.Op("Shape", SpeBlockTensorNames.ColumnCount), b.Int64s("spe_block_axis0", 0)]);
        string outDim = b.Int64s("spe_block_p", o.OutputSize);
        string pe = b.ScatterAddRows(Zeros(vDim, outDim), SpeBlockTensorNames.PairNode, b.Op("Mul", h, SpeBlockTensorNames.PairColumnMask));
        if (o.ColumnReduction == SpeColumnReduction.Mean)
        {
            pe = b.Op("Div", pe, b.Op("Max", SpeBlockTensorNames.ColumnCount, one));
        }

        return pe;
    }

    /// <summary>A standalone encoder model: block inputs → <see cref="SpeTensorNames.Encoding"/> <c>(V, p)</c> in stacked node order.</summary>
    /// <param name="parameters">φ and ρ parameters.</param>
    /// <param name="elementType">Float or Double.</param>
    /// <param name="mode">BatchNorm's statistics.</param>
    public static OnnxModel CreateEncoderModel(SpeParameters parameters, TensorElementType elementType = TensorElementType.Float, NormalizationMode mode = NormalizationMode.Inference)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var b = new GraphBuilder("spe_block_encoder");
        DeclareInputs(b, elementType, parameters.Options);
        b.Output(Append(b, parameters, elementType, mode), SpeTensorNames.Encoding);
        return b.ToModel();
    }

    // BatchNorm over all (column, node) pairs: (P,c) viewed as (1,1,P,c), the padded layout's statistics shape (1,1,1,c).
    private static string PairNorm(GraphBuilder b, string u, BatchNormNames names, NormalizationMode mode, TensorElementType elementType)
    {
        string x4 = b.Op("Unsqueeze", u, b.Int64s("spe_block_axes_0_1", 0, 1));
        string y = MaskedBatchNorm.Append(b, x4, null, names, [0, 1, 2], mode, elementType);
        return b.Op("Squeeze", y, b.Int64s("spe_block_axes_0_1", 0, 1));
    }
}
