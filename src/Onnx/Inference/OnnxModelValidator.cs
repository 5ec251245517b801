namespace Pipelines.Onnx;

/// <summary>
/// Checks a model before ONNX Runtime sees it: IR and opset versions, imported domains, single assignment of values,
/// dangling inputs and shape agreement (<see cref="ShapeInference"/>). Each problem is one clear exception.
/// </summary>
public static class OnnxModelValidator
{
    /// <summary>Lowest standard opset accepted.</summary>
    public const long MinStandardOpset = 7;

    /// <summary>Highest standard opset accepted (what ONNX Runtime 1.31 implements).</summary>
    public const long MaxStandardOpset = 23;

    /// <summary>Validates <paramref name="model"/> and returns the inferred value types.</summary>
    /// <param name="model">The model.</param>
    /// <param name="source">A name for messages, e.g. the file path.</param>
    /// <exception cref="OnnxGraphException">The first problem found, named.</exception>
    public static IReadOnlyDictionary<string, TensorType> Validate(OnnxModel model, string source = "model")
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.IrVersion < 3)
        {
            throw new OnnxGraphException($"{source}: IR version {model.IrVersion} is too old (need ≥ 3).");
        }

        long? opset = model.OpsetVersion();
        if (opset is null)
        {
            throw new OnnxGraphException($"{source}: the model imports no standard ONNX opset.");
        }

        if (opset < MinStandardOpset || opset > MaxStandardOpset)
        {
            throw new OnnxGraphException(
                $"{source}: standard opset {opset} is not supported (ONNX Runtime 1.31 runs opsets {MinStandardOpset}-{MaxStandardOpset}).");
        }

        var domains = new HashSet<string>(model.OpsetImports.Select(o => o.Domain == "ai.onnx" ? "" : o.Domain), StringComparer.Ordinal);
        var produced = new HashSet<string>(StringComparer.Ordinal);
        produced.UnionWith(model.Graph.Inputs.Select(v => v.Name));
        foreach (OnnxTensor t in model.Graph.Initializers)
        {
            if (!produced.Add(t.Name) && !model.Graph.Inputs.Any(i => i.Name == t.Name))
            {
                throw new OnnxGraphException($"{source}: initializer '{t.Name}' is defined twice.");
            }
        }

        for (int i = 0; i < model.Graph.Nodes.Count; i++)
        {
            OnnxNode node = model.Graph.Nodes[i];
            if (!domains.Contains(node.Domain))
            {
                throw new OnnxGraphException($"{source}: node {node.Describe()} (position {i}) uses domain '{node.Domain}', which the model does not import.");
            }

            foreach (string o in node.Outputs.Where(o => o.Length > 0))
            {
                if (!produced.Add(o))
                {
                    throw new OnnxGraphException($"{source}: value '{o}' is assigned twice (again by node {node.Describe()} at position {i}).");
                }
            }
        }

        try
        {
            return ShapeInference.Infer(model);
        }
        catch (OnnxGraphException e)
        {
            throw new OnnxGraphException($"{source}: {e.Message}", e);
        }
    }
}
