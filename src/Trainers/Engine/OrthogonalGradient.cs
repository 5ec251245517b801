using Pipelines.Onnx;

namespace Pipelines.Trainers;

/// <summary>
/// ⊥Grad (Prieto et al., 2025, grok/orthograd.py): per parameter tensor w (flattened) with gradient g,
/// g⊥ = g − (⟨w,g⟩ / (⟨w,w⟩ + 1e-30))·w, then g ← g⊥·‖g‖ / (‖g⊥‖ + 1e-30), so ⟨w, g⟩ = 0 and ‖g‖ is kept. This removes
/// the "naïve loss minimisation" direction that only scales the weights.
/// </summary>
internal static class OrthogonalGradient
{
    /// <summary>The 1e-30 of the reference, in float32 still a normal number.</summary>
    public const double Tiny = 1e-30;

    public static string Emit(GraphBuilder b, OptimizerStep s, string w, string g)
    {
        var keep = OnnxAttribute.Int("keepdims", 0);
        string wg = b.Op("ReduceSum", [b.Op("Mul", w, g)], keep);
        string ww = b.Op("ReduceSumSquare", [w], keep);
        string projection = b.Op("Div", wg, b.Op("Add", ww, s.Scalar(Tiny)));
        string orthogonal = b.Op("Sub", g, b.Op("Mul", w, projection));
        string norm = b.Op("Sqrt", b.Op("ReduceSumSquare", [g], keep));
        string orthogonalNorm = b.Op("Sqrt", b.Op("ReduceSumSquare", [orthogonal], keep));
        return b.Op("Mul", orthogonal, b.Op("Div", norm, b.Op("Add", orthogonalNorm, s.Scalar(Tiny))));
    }
}
