namespace Pipelines.Onnx.Autodiff;

/// <summary>
/// Reverse-mode automatic differentiation over ONNX graphs: appends to a forward graph the nodes computing the
/// gradient of a scalar loss with respect to chosen initializers, only along paths from those initializers to the
/// loss. Shape computations (Shape, Gather on shapes, Concat of int64 shapes, Cast, ConstantOfShape, …) carry no
/// gradient and pass through untouched. All checks run before any session is created.
/// </summary>
/// <remarks>
/// Every rule emits ops of the standard domain valid from opset 13; graphs below opset 17 are lifted to 17 (the
/// accumulate-scatter used by Gather's gradient needs 16), which leaves the semantics of opset-13 graphs unchanged.
/// </remarks>
public static class GradientBuilder
{
    /// <summary>The lowest forward opset accepted.</summary>
    public const long MinimumOpset = 13;

    /// <summary>The opset the gradient graph is lifted to when the forward graph is older.</summary>
    public const long GradientOpset = 17;

    /// <summary>
    /// Model metadata key of a JSON array of value names treated as constants (PyTorch's <c>detach()</c>): no gradient
    /// flows through them into the values they are computed from. DoRA's column norm ‖W + s·B·A‖_c is one (peft, and
    /// the DoRA paper §4.3, treat it as a constant during training).
    /// </summary>
    public const string StopGradientKey = "pipelines.autodiff.stop_gradient";

    /// <summary>Op types that have a gradient rule.</summary>
    public static IReadOnlyList<string> SupportedOps => GradientRules.Supported;

    /// <summary>
    /// Builds the gradient graph of <paramref name="loss"/> with respect to <paramref name="trainables"/>. The input
    /// model is not modified.
    /// </summary>
    /// <param name="forward">A model whose graph computes <paramref name="loss"/>.</param>
    /// <param name="loss">A scalar Float or Double value of the graph (an output, or any intermediate value).</param>
    /// <param name="trainables">Names of Float/Double initializers to differentiate against; they become graph inputs.</param>
    /// <exception cref="GradientException">Unknown trainable, non-scalar loss, element types that disagree, an op on the
    /// gradient path without a rule (named with its node and position), or an opset below 13.</exception>
    public static GradientGraph Build(OnnxModel forward, string loss, IReadOnlyList<string> trainables)
    {
        ArgumentNullException.ThrowIfNull(forward);
        ArgumentException.ThrowIfNullOrEmpty(loss);
        ArgumentNullException.ThrowIfNull(trainables);
        long opset = forward.OpsetVersion() ?? throw new GradientException("The model imports no standard-domain opset.");
        if (opset < MinimumOpset)
        {
            throw new GradientException($"The model uses opset {opset}; gradients need opset {MinimumOpset} or later.");
        }

        // the structure is copied; the weights are shared with the caller's model (never written here)
        OnnxModel model = forward.CloneSharingData();
        OnnxGraph graph = model.Graph;
        List<OnnxTensor> parameters = TakeTrainables(graph, trainables);
        Dictionary<string, TensorType> types = InferTypes(graph);
        TensorElementType lossType = CheckLoss(graph, loss, types);
        foreach (OnnxTensor p in parameters)
        {
            if (p.ElementType != lossType)
            {
                throw new GradientException(
                    $"Trainable '{p.Name}' is {p.ElementType} but the loss '{loss}' is {lossType}; cast the model so they agree.");
            }
        }

        if (opset < GradientOpset)
        {
            model.OpsetImports.RemoveAll(o => o.Domain == OnnxModel.StandardDomain);
            model.OpsetImports.Add(new OpsetImport(OnnxModel.StandardDomain, GradientOpset));
            opset = GradientOpset;
        }

        var emitter = new GradientEmitter(graph, types, opset);
        var valueGradients = new Dictionary<string, string>(StringComparer.Ordinal);
        Dictionary<string, string> gradients = Backward(graph, emitter, loss, parameters, lossType, StopGradients(model), valueGradients);

        graph.Outputs.Clear();
        graph.Outputs.Add(new ValueInfo(loss, new TensorType(lossType, [])));
        foreach (OnnxTensor p in parameters)
        {
            string name = emitter.Builder.UniqueName(p.Name + "_grad");
            graph.Nodes.Add(new OnnxNode("Identity", [gradients[p.Name]], [name], emitter.Builder.UniqueName("grad_out")));
            gradients[p.Name] = name;
            graph.Outputs.Add(new ValueInfo(name, p.Type));
        }

        GraphTopology.Sort(graph);
        return new GradientGraph(model, loss, parameters, gradients) { ValueGradients = valueGradients };
    }

    private static List<OnnxTensor> TakeTrainables(OnnxGraph graph, IReadOnlyList<string> trainables)
    {
        if (trainables.Count == 0)
        {
            throw new GradientException("No trainable tensors were given.");
        }

        Dictionary<string, OnnxTensor> inits = graph.InitializerMap();
        var result = new List<OnnxTensor>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string name in trainables)
        {
            if (!seen.Add(name))
            {
                throw new GradientException($"Trainable '{name}' is listed twice.");
            }

            if (!inits.TryGetValue(name, out OnnxTensor? t))
            {
                string hint = string.Join(", ", inits.Keys.Where(k => k.Contains(name, StringComparison.OrdinalIgnoreCase) || name.Contains(k, StringComparison.OrdinalIgnoreCase)).Take(5));
                throw new GradientException(
                    $"Unknown trainable '{name}': graph '{graph.Name}' has no initializer of that name" +
                    (hint.Length > 0 ? $" (similar: {hint})." : $" ({inits.Count} initializers)."));
            }

            if (t.ElementType is not (TensorElementType.Float or TensorElementType.Double))
            {
                throw new GradientException($"Trainable '{name}' is {t.ElementType}; only Float and Double tensors can be trained.");
            }

            result.Add(t);
        }

        foreach (OnnxTensor t in result)
        {
            graph.Initializers.Remove(t);
            graph.Inputs.RemoveAll(v => v.Name == t.Name);
        }

        graph.Inputs.InsertRange(0, result.Select(t => new ValueInfo(t.Name, t.Type)));
        return result;
    }

    private static Dictionary<string, TensorType> InferTypes(OnnxGraph graph)
    {
        try
        {
            return new Dictionary<string, TensorType>(ShapeInference.Infer(graph), StringComparer.Ordinal);
        }
        catch (OnnxGraphException e)
        {
            throw new GradientException($"The forward graph is invalid: {e.Message}", e);
        }
    }

    private static TensorElementType CheckLoss(OnnxGraph graph, string loss, Dictionary<string, TensorType> types)
    {
        if (!types.TryGetValue(loss, out TensorType? t))
        {
            bool exists = graph.Nodes.Any(n => n.Outputs.Contains(loss));
            throw new GradientException(exists
                ? $"The type of loss '{loss}' could not be inferred; make it a graph output with a declared type."
                : $"Loss '{loss}' is not a value of graph '{graph.Name}'.");
        }

        if (t.ElementType is not (TensorElementType.Float or TensorElementType.Double))
        {
            throw new GradientException($"Loss '{loss}' is {t.ElementType}; it must be Float or Double.");
        }

        if (IsFullReduction(graph, loss))
        {
            t = new TensorType(t.ElementType, []);
            types[loss] = t;
        }

        if (t.Shape is null || t.Shape.Any(d => !(d.IsFixed && d.Value == 1)))
        {
            throw new GradientException($"Loss '{loss}' has shape {t}; a loss must be a scalar (reduce it, e.g. with ReduceMean).");
        }

        return t.ElementType;
    }

    // Reduce* with keepdims=0 and no axes yields a scalar whatever the input's (possibly unknown) rank.
    private static bool IsFullReduction(OnnxGraph graph, string value)
    {
        OnnxNode? producer = graph.Nodes.FirstOrDefault(n => n.Outputs.Contains(value));
        return producer is not null && producer.OpType.StartsWith("Reduce", StringComparison.Ordinal) &&
            producer.IntAttribute("keepdims", 1) == 0 && producer.IntsAttribute("axes") is null &&
            (producer.Inputs.Count < 2 || producer.Inputs[1].Length == 0);
    }

    // the values listed under StopGradientKey (an absent key stops nothing)
    private static HashSet<string> StopGradients(OnnxModel model)
    {
        string? json = model.Metadata.FirstOrDefault(kv => kv.Key == StopGradientKey).Value;
        try
        {
            return json is null ? [] : new HashSet<string>(System.Text.Json.JsonSerializer.Deserialize<List<string>>(json) ?? [], StringComparer.Ordinal);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new GradientException($"Model metadata '{StopGradientKey}' is not a JSON array of value names: {e.Message}", e);
        }
    }

    private static Dictionary<string, string> Backward(OnnxGraph graph, GradientEmitter emitter, string loss, List<OnnxTensor> parameters, TensorElementType lossType, HashSet<string> stopped, Dictionary<string, string> valueGradients)
    {
        List<OnnxNode> nodes = [.. graph.Nodes];

        // values that depend on a trainable tensor through differentiable ops
        var active = new HashSet<string>(parameters.Select(p => p.Name), StringComparer.Ordinal);
        foreach (OnnxNode node in nodes)
        {
            if (GradientRules.Stopping.Contains(node.OpType) || !node.Inputs.Any(active.Contains))
            {
                continue;
            }

            foreach (string o in node.Outputs)
            {
                TensorType? t = emitter.TypeOf(o);
                if (o.Length > 0 && !stopped.Contains(o) && (t is null || t.ElementType is TensorElementType.Float or TensorElementType.Double))
                {
                    active.Add(o);
                }
            }
        }

        if (!active.Contains(loss))
        {
            throw new GradientException($"Loss '{loss}' does not depend on any trainable tensor through differentiable ops.");
        }

        // values through which the loss depends on a trainable tensor
        var needed = new HashSet<string>(StringComparer.Ordinal) { loss };
        var onPath = new List<(OnnxNode Node, int Position)>();
        for (int i = nodes.Count - 1; i >= 0; i--)
        {
            OnnxNode node = nodes[i];
            if (!node.Outputs.Any(needed.Contains) || !node.Inputs.Any(active.Contains))
            {
                continue;
            }

            onPath.Add((node, i));
            foreach (string input in node.Inputs)
            {
                if (active.Contains(input))
                {
                    needed.Add(input);
                }
            }
        }

        foreach ((OnnxNode node, int position) in onPath)
        {
            if (!GradientRules.TryGet(node, out _))
            {
                string inputs = string.Join(", ", node.Inputs.Where(active.Contains).Select(v => $"'{v}'"));
                throw new GradientException(
                    $"No gradient rule for op {node.Describe()} at position {position} of graph '{graph.Name}' " +
                    $"(on the path from the trainable tensors to loss '{loss}' through {inputs}). " +
                    $"Supported ops: {string.Join(", ", GradientRules.Supported)}.");
            }
        }

        var contributions = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [loss] = emitter.Scalar(1.0, lossType),
        };
        if (emitter.ShapeOf(loss) is { Count: > 0 })
        {
            contributions[loss] = emitter.Op("ConstantOfShape", [emitter.Shape(loss)], OnnxAttribute.Tensor("value", OneTensor(lossType)));
        }

        foreach ((OnnxNode node, int position) in onPath)
        {
            var outGrads = node.Outputs.Select(o => contributions.GetValueOrDefault(o)).ToArray();
            if (outGrads.All(g => g is null))
            {
                continue;
            }

            bool[] needs = node.Inputs.Select(i => i.Length > 0 && needed.Contains(i)).ToArray();
            var step = new BackwardStep(node, position, emitter, outGrads, needs);
            GradientRules.TryGet(node, out GradientRule rule);
            try
            {
                rule(step);
            }
            catch (GradientException)
            {
                throw;
            }
            catch (Exception e) when (e is InvalidOperationException or ArgumentException or IndexOutOfRangeException)
            {
                throw new GradientException($"Gradient of {node.Describe()} at position {position} failed: {e.Message}", e);
            }

            for (int i = 0; i < node.Inputs.Count; i++)
            {
                if (step.InputGrads[i] is { } g)
                {
                    string name = node.Inputs[i];
                    contributions[name] = contributions.TryGetValue(name, out string? prev) ? emitter.Op("Add", prev, g) : g;
                }
            }
        }

        foreach ((string value, string g) in contributions)
        {
            valueGradients[value] = g;
        }

        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (OnnxTensor p in parameters)
        {
            // a trainable not reaching the loss gets a zero gradient
            result[p.Name] = contributions.TryGetValue(p.Name, out string? g)
                ? g
                : emitter.ZerosOfShape(emitter.Int64s(p.Dims), p.ElementType);
        }

        return result;
    }

    private static OnnxTensor OneTensor(TensorElementType type) => type == TensorElementType.Double
        ? OnnxTensor.FromDoubles("value", [1.0], 1)
        : OnnxTensor.FromFloats("value", [1f], 1);
}
