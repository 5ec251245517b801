using Pipelines.Onnx;
using Pipelines.Onnx.Autodiff;

namespace Pipelines.Trainers;

/// <summary>Builds <see cref="TrainingGraph"/>s: loss, reverse-mode gradients, optional clipping, in-graph optimizer.</summary>
public static class TrainingGraphBuilder
{
    /// <summary>Builds the train-step and eval models for <paramref name="forward"/> (not modified).</summary>
    /// <exception cref="GradientException">Unknown trainable, non-scalar loss, type mismatch or an op without a gradient rule.</exception>
    /// <exception cref="ArgumentException">A learning-rate multiplier, weight-decay parameter or extra output names nothing trainable / nothing in the graph, or a multiplier is not positive.</exception>
    public static TrainingGraph Build(OnnxModel forward, TrainingGraphOptions options) => Build(forward, options, takeOwnership: false);

    /// <summary>
    /// <see cref="Build(OnnxModel, TrainingGraphOptions)"/>; with <paramref name="takeOwnership"/> the graph keeps
    /// <paramref name="forward"/> itself as <see cref="TrainingGraph.Forward"/> instead of a copy (the caller built it for
    /// this purpose and never touches it again), which saves a copy of every weight.
    /// </summary>
    internal static TrainingGraph Build(OnnxModel forward, TrainingGraphOptions options, bool takeOwnership)
    {
        ArgumentNullException.ThrowIfNull(forward);
        ArgumentNullException.ThrowIfNull(options);
        options.Optimizer.Validate();
        if (options.ClipGlobalNorm is { } clip)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(clip, nameof(options.ClipGlobalNorm));
        }

        ValidateParameterSettings(options);

        // one private copy of the forward model (export, eval); the loss and the layer-norm fusion go onto a second copy
        // of the structure (GradientBuilder copies its input's structure itself); all of them share the weight arrays
        OnnxModel snapshot = takeOwnership ? forward : forward.Clone();
        OnnxModel withLoss = snapshot.CloneSharingData();
        IReadOnlyDictionary<string, TensorType> types;
        try
        {
            types = ShapeInference.Infer(withLoss);
        }
        catch (OnnxGraphException e)
        {
            throw new GradientException($"The forward graph is invalid: {e.Message}", e);
        }

        var lossBuilder = new GraphBuilder(withLoss.Graph);
        string loss;
        try
        {
            loss = options.Loss.Append(lossBuilder, types);
        }
        catch (ArgumentException e)
        {
            throw new GradientException(e.Message, e);
        }

        LayerNormFusion.Apply(withLoss.Graph, options.ExtraOutputs);
        GradientGraph gg = GradientBuilder.Build(withLoss, loss, options.Trainables);
        OnnxModel step = gg.Model;
        TensorElementType type = gg.Trainables[0].ElementType;
        if (options.ActivationCheckpointing == ActivationCheckpointing.TransformerBlocks)
        {
            ActivationRecomputation.Apply(step.Graph, n => n.Name.StartsWith("grad_", StringComparison.Ordinal), gg.ValueGradients, [loss, .. options.ExtraOutputs], type,
                v => types.TryGetValue(v, out TensorType? t) ? t.ElementType : null, new HashSet<string>(gg.Trainables.Select(t => t.Name), StringComparer.Ordinal));
            GraphTopology.Sort(step.Graph);
        }

        var used = new HashSet<string>(step.Graph.Nodes.SelectMany(n => n.Inputs.Concat(n.Outputs)), StringComparer.Ordinal);
        used.UnionWith(step.Graph.Inputs.Select(v => v.Name));
        used.UnionWith(step.Graph.Initializers.Select(t => t.Name));
        var b = new GraphBuilder(step.Graph);
        string lr = b.Input("learning_rate", type);
        string stepInput = b.Input("step", type);
        var os = new OptimizerStep(b, type, lr, stepInput) { Opset = step.OpsetVersion() ?? GraphBuilder.DefaultOpset };

        string[] grads = [.. gg.Trainables.Select(t => gg.Gradients[t.Name])];
        bool flat = options.Optimizer.ElementWise;
        string? clipScale = options.ClipGlobalNorm is { } maxNorm ? ClipScale(b, os, grads, maxNorm) : null;
        if (clipScale is not null && (!flat || options.Optimizer.OrthogonalGradient))
        {
            // per tensor: ⊥Grad acts on the clipped gradient; the per-tensor optimizers take it shaped like the parameter
            grads = [.. grads.Select(g => b.Op("Mul", g, clipScale))];
            clipScale = null;
        }

        if (options.Optimizer.OrthogonalGradient)
        {
            grads = [.. gg.Trainables.Select((p, i) => OrthogonalGradient.Emit(b, os, p.Name, grads[i]))];
        }

        var state = new List<StateTensor>();
        var slotState = new List<StateTensor>();
        string[] shared = options.Optimizer.Prepare(os);
        int n = gg.Trainables.Count, slotCount = options.Optimizer.Slots.Count;
        var slotInputs = new string[n][];
        var slotInitial = new OnnxTensor[n][];
        var parameterOutputs = new string[n];
        var slotOutputs = new string[n][];
        for (int i = 0; i < n; i++)
        {
            OnnxTensor p = gg.Trainables[i];
            os.Register(p);
            slotInputs[i] = new string[slotCount];
            slotInitial[i] = new OnnxTensor[slotCount];
            for (int k = 0; k < slotCount; k++)
            {
                string slotName = FreeName(used, p.Name + "." + options.Optimizer.Slots[k]);
                slotInitial[i][k] = options.Optimizer.InitialSlot(k, slotName, p, type);
                slotInputs[i][k] = b.Input(slotName, slotInitial[i][k].ElementType, [.. slotInitial[i][k].Dims.Select(d => (Dim)d)]);
            }

            parameterOutputs[i] = FreeName(used, p.Name + ".next");
            slotOutputs[i] = [.. slotInputs[i].Select(s => FreeName(used, s + ".next"))];
        }

        double Scale(int i) => options.LearningRateMultipliers.TryGetValue(gg.Trainables[i].Name, out double m) ? m : 1;
        bool Decays(int i) => options.WeightDecayParameters?.Contains(gg.Trainables[i].Name) ?? true;
        if (flat)
        {
            // one update over the concatenation of every parameter with the same multiplier and decay (FlatOptimizerUpdate);
            // a parameter above FlatOptimizerUpdate.MaxElements updates alone (same state layout, a group of one)
            foreach (int[] group in Enumerable.Range(0, n).GroupBy(i => options.FlatOptimizerUpdate && gg.Trainables[i].ElementCount <= FlatOptimizerUpdate.MaxElements ? (Scale(i), Decays(i), 0) : (Scale(i), Decays(i), i + 1)).Select(g => g.ToArray()))
            {
                FlatOptimizerUpdate.Emit(b, os, options.Optimizer, shared, [.. group.Select(i => gg.Trainables[i])], [.. group.Select(i => grads[i])], clipScale,
                    [.. group.Select(i => slotInputs[i])], [.. group.Select(i => slotInitial[i].Select(t => t.Dims[0]).ToArray())], Scale(group[0]), Decays(group[0]), [.. group.Select(i => parameterOutputs[i])], [.. group.Select(i => slotOutputs[i])]);
            }
        }

        for (int i = 0; i < n; i++)
        {
            OnnxTensor p = gg.Trainables[i];
            if (flat)
            {
                b.Graph.Outputs.Add(new ValueInfo(parameterOutputs[i], p.Type));
                for (int k = 0; k < slotCount; k++)
                {
                    b.Graph.Outputs.Add(new ValueInfo(slotOutputs[i][k], slotInitial[i][k].Type));
                }
            }
            else
            {
                (string newP, string[] newSlots) = options.Optimizer.Update(os, shared, p.Name, grads[i], slotInputs[i], Scale(i), Decays(i));
                b.Output(newP, parameterOutputs[i], p.Type);
                for (int k = 0; k < slotCount; k++)
                {
                    b.Output(newSlots[k], slotOutputs[i][k], slotInitial[i][k].Type);
                }
            }

            state.Add(new StateTensor(p.Name, parameterOutputs[i], StateKind.Parameter, p.Clone()));
            for (int k = 0; k < slotCount; k++)
            {
                slotState.Add(new StateTensor(slotInputs[i][k], slotOutputs[i][k], StateKind.OptimizerSlot, slotInitial[i][k]));
            }
        }

        state.AddRange(slotState);
        state.AddRange(RunningStatistics(step, b, used, options));

        // outputs: loss, then state outputs in binding order, then the extra forward values (gradient outputs are internal)
        var outputs = step.Graph.Outputs.ToDictionary(o => o.Name, StringComparer.Ordinal);
        step.Graph.Outputs.Clear();
        step.Graph.Outputs.Add(outputs[loss]);
        step.Graph.Outputs.AddRange(state.Select(s => outputs[s.Output]));
        var produced = new HashSet<string>(step.Graph.Nodes.SelectMany(n => n.Outputs), StringComparer.Ordinal);
        foreach (string extra in options.ExtraOutputs)
        {
            if (!produced.Contains(extra))
            {
                throw new ArgumentException($"Extra output '{extra}' is not computed by the forward graph '{forward.Graph.Name}'.", nameof(options));
            }

            step.Graph.Outputs.Add(outputs.TryGetValue(extra, out ValueInfo? info) ? info : new ValueInfo(extra, types.GetValueOrDefault(extra)));
        }

        if (options.FrozenWeights == FrozenWeightPrecision.Int8)
        {
            FrozenWeightQuantization.Apply(step.Graph, new HashSet<string>(gg.Trainables.Select(t => t.Name), StringComparer.Ordinal));
        }

        if (options.FuseFrozenTransposes)
        {
            FrozenTransposeFusion.Apply(step, new HashSet<string>(gg.Trainables.Select(t => t.Name), StringComparer.Ordinal));
        }

        GraphTopology.Sort(step.Graph);

        var stateNames = new HashSet<string>(state.Select(s => s.Input), StringComparer.Ordinal);
        var batch = step.Graph.Inputs.Where(v => !stateNames.Contains(v.Name) && v.Name != lr && v.Name != stepInput).ToList();
        var trainableNames = new HashSet<string>(gg.Trainables.Select(t => t.Name), StringComparer.Ordinal);
        var evalInputs = snapshot.Graph.Inputs.Where(v => !trainableNames.Contains(v.Name)).ToList();
        IReadOnlyList<OnnxTensor> trainables = gg.Trainables;
        IReadOnlyList<OnnxTensor> buffers = [.. state.Where(s => s.Kind == StateKind.RunningStatistic).Select(s => s.Initial)];
        var bufferNames = new HashSet<string>(buffers.Select(t => t.Name), StringComparer.Ordinal);
        evalInputs.RemoveAll(v => bufferNames.Contains(v.Name));
        return new TrainingGraph(snapshot, step, () => BuildEval(snapshot, [.. trainables, .. buffers]), state, batch, evalInputs, loss, type, [.. options.ExtraOutputs]);
    }

    // each running statistic: its initializer becomes a step input, the forward's update value a step output
    private static List<StateTensor> RunningStatistics(OnnxModel step, GraphBuilder b, HashSet<string> used, TrainingGraphOptions options)
    {
        var result = new List<StateTensor>();
        Dictionary<string, OnnxTensor> inits = step.Graph.InitializerMap();
        var produced = new HashSet<string>(step.Graph.Nodes.SelectMany(n => n.Outputs), StringComparer.Ordinal);
        foreach ((string name, string update) in options.RunningStatistics)
        {
            if (!inits.TryGetValue(name, out OnnxTensor? t) || t.ElementType is not (TensorElementType.Float or TensorElementType.Double))
            {
                throw new ArgumentException($"Running statistic '{name}' is not a Float/Double initializer of the forward graph (or it is trainable).", nameof(options));
            }

            if (!produced.Contains(update))
            {
                throw new ArgumentException($"Running statistic '{name}': the forward graph computes no value '{update}'.", nameof(options));
            }

            OnnxTensor initial = t.Clone();
            step.Graph.Initializers.Remove(t);
            step.Graph.Inputs.Add(new ValueInfo(name, t.Type)); // same name: the nodes reading it stay as they are
            string output = b.Output(update, FreeName(used, name + ".next"), t.Type);
            result.Add(new StateTensor(name, output, StateKind.RunningStatistic, initial));
        }

        return result;
    }

    private static void ValidateParameterSettings(TrainingGraphOptions options)
    {
        var trainables = new HashSet<string>(options.Trainables, StringComparer.Ordinal);
        foreach ((string name, double m) in options.LearningRateMultipliers)
        {
            if (!trainables.Contains(name))
            {
                throw new ArgumentException($"Learning-rate multiplier for '{name}', which is not a trainable.", nameof(options));
            }

            if (!(m > 0) || !double.IsFinite(m))
            {
                throw new ArgumentException($"Learning-rate multiplier of '{name}' is {m}; it must be positive and finite.", nameof(options));
            }
        }

        foreach (string name in options.WeightDecayParameters ?? [])
        {
            if (!trainables.Contains(name))
            {
                throw new ArgumentException($"Weight-decay parameter '{name}' is not a trainable.", nameof(options));
            }
        }

        if (options.ExtraOutputs.Distinct(StringComparer.Ordinal).Count() != options.ExtraOutputs.Count)
        {
            throw new ArgumentException($"Extra outputs repeat a name: {string.Join(", ", options.ExtraOutputs)}.", nameof(options));
        }
    }

    // a name not yet in the graph, without reserving it in the builder (Input/Output reserve it themselves)
    private static string FreeName(HashSet<string> used, string prefix)
    {
        string name = prefix;
        for (int i = 1; used.Contains(name); i++)
        {
            name = prefix + "_" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        used.Add(name);
        return name;
    }

    // min(1, c / (‖g‖₂ + 1e-6)), ‖g‖₂ over all gradients together; each g_i is then multiplied by it
    private static string ClipScale(GraphBuilder b, OptimizerStep os, string[] grads, double maxNorm)
    {
        string total = grads
            .Select(g => b.Op("ReduceSumSquare", [g], OnnxAttribute.Int("keepdims", 0)))
            .Aggregate((x, y) => b.Op("Add", x, y));
        string norm = b.Op("Sqrt", total);
        return b.Op("Min", os.Scalar(1), b.Op("Div", os.Scalar(maxNorm), b.Op("Add", norm, os.Scalar(1e-6))));
    }

    private static OnnxModel BuildEval(OnnxModel forward, IReadOnlyList<OnnxTensor> trainables)
    {
        OnnxModel eval = forward.CloneSharingData();
        var names = new HashSet<string>(trainables.Select(t => t.Name), StringComparer.Ordinal);
        eval.Graph.Initializers.RemoveAll(t => names.Contains(t.Name));
        eval.Graph.Inputs.RemoveAll(v => names.Contains(v.Name));
        eval.Graph.Inputs.InsertRange(0, trainables.Select(t => new ValueInfo(t.Name, t.Type)));
        return eval;
    }
}
