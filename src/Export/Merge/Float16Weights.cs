namespace Pipelines.Export.Merge;

/// <summary>
/// Stores float initializers as float16 with a <c>Cast</c> back to float in front of their consumers (ORT folds the Cast at
/// load time, so compute stays float and only the file shrinks).
/// </summary>
internal static class Float16Weights
{
    /// <summary>Converts a copy of <paramref name="model"/>; tensors with fewer than <paramref name="minimumElements"/> elements stay float.</summary>
    public static OnnxModel Convert(OnnxModel model, long minimumElements = 16)
    {
        ArgumentNullException.ThrowIfNull(model);
        OnnxModel copy = model.Clone();
        OnnxGraph g = copy.Graph;
        var builder = new GraphBuilder(g);
        var casts = new List<OnnxNode>();
        var graphInputs = new HashSet<string>(g.Inputs.Select(i => i.Name), StringComparer.Ordinal);
        foreach (OnnxTensor t in g.Initializers.ToList())
        {
            if (t.ElementType != TensorElementType.Float || t.ElementCount < minimumElements || graphInputs.Contains(t.Name))
            {
                continue;
            }

            ReadOnlySpan<float> values = t.AsSpan<float>();
            var half = new Half[values.Length];
            for (int i = 0; i < half.Length; i++)
            {
                half[i] = (Half)values[i];
            }

            string original = t.Name;
            g.Initializers.Remove(t);
            string stored = builder.Initializer(OnnxTensor.Create<Half>(original + "_fp16", TensorElementType.Float16, half, t.Dims));
            casts.Add(new OnnxNode("Cast", [stored], [original], builder.UniqueName(original + "_cast"))
            {
                Attributes = { OnnxAttribute.Int("to", (long)TensorElementType.Float) },
            });
        }

        g.Nodes.InsertRange(0, casts);
        return copy;
    }
}
