namespace Pipelines.Onnx;

/// <summary>
/// Checks a model before ONNX Runtime sees it: IR and opset versions, one import per domain, imported domains, known
/// default-domain ops at the imported opset, unique input, output and node names, single assignment of values, dangling
/// inputs, axis attributes in range and shape agreement (<see cref="ShapeInference"/>). Each problem is one clear exception.
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

        long opset = CheckOpsetImports(model, source);
        CheckUniqueNames(model.Graph, source);
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

            if (node.Domain.Length == 0)
            {
                if (!StandardOps.SinceVersion.TryGetValue(node.OpType, out long since))
                {
                    throw new OnnxGraphException(
                        $"{source}: node {node.Describe()} (position {i}) uses op '{node.OpType}', which is not an operator of the default ONNX domain.");
                }

                if (since > opset)
                {
                    throw new OnnxGraphException(
                        $"{source}: node {node.Describe()} (position {i}) uses op '{node.OpType}', which needs opset {since}; the model imports opset {opset}.");
                }
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

    /// <summary>One import per domain ('' and 'ai.onnx' are one), versions ≥ 1, the standard one in the supported range; returns it.</summary>
    private static long CheckOpsetImports(OnnxModel model, string source)
    {
        var seen = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (OpsetImport import in model.OpsetImports)
        {
            string domain = import.Domain == "ai.onnx" ? "" : import.Domain;
            string shown = domain.Length == 0 ? "ai.onnx" : domain;
            if (seen.TryGetValue(domain, out long first))
            {
                throw new OnnxGraphException($"{source}: domain '{shown}' is imported twice (opset {first} and opset {import.Version}).");
            }

            seen.Add(domain, import.Version);
            if (domain.Length == 0 && (import.Version < MinStandardOpset || import.Version > MaxStandardOpset))
            {
                throw new OnnxGraphException(
                    $"{source}: standard opset {import.Version} is not supported (ONNX Runtime 1.31 runs opsets {MinStandardOpset}-{MaxStandardOpset}).");
            }

            if (import.Version < 1)
            {
                throw new OnnxGraphException($"{source}: domain '{shown}' is imported at opset {import.Version}; versions start at 1.");
            }
        }

        return seen.TryGetValue("", out long standard)
            ? standard
            : throw new OnnxGraphException($"{source}: the model imports no standard ONNX opset.");
    }

    /// <summary>Graph inputs, graph outputs and (non-empty) node names are each unique.</summary>
    private static void CheckUniqueNames(OnnxGraph graph, string source)
    {
        static string? FirstDuplicate(IEnumerable<string> names)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            return names.FirstOrDefault(n => !seen.Add(n));
        }

        if (FirstDuplicate(graph.Inputs.Select(v => v.Name)) is { } input)
        {
            throw new OnnxGraphException($"{source}: graph input '{input}' is declared twice.");
        }

        if (FirstDuplicate(graph.Outputs.Select(v => v.Name)) is { } output)
        {
            throw new OnnxGraphException($"{source}: graph output '{output}' is declared twice.");
        }

        if (FirstDuplicate(graph.Nodes.Select(n => n.Name).Where(n => n.Length > 0)) is { } node)
        {
            throw new OnnxGraphException($"{source}: node name '{node}' is used by more than one node.");
        }
    }
}
