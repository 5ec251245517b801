using System.Diagnostics;
using Pipelines.Onnx;
using Pipelines.Onnx.Runtime;

namespace Pipelines.Trainers.TextClassification;

/// <summary>
/// Fine-tunes a text encoder ONNX graph for sentence classification through the standard ONNX Runtime: prepares the
/// classifier (<see cref="FineTuneModels"/>), then trains it with the training engine (<see cref="TrainingGraphBuilder"/>,
/// <see cref="Trainer"/>): one ONNX graph computes the cross-entropy loss, its reverse-mode gradients with respect to the
/// trainable initializers and the AdamW update under a learning-rate schedule, with resumable checkpoints. The same seed
/// gives the same run on the CPU.
/// </summary>
public static class TextClassifierFineTuning
{
    /// <summary>Runs the whole flow.</summary>
    /// <param name="encoder">The encoder (inputs input_ids, attention_mask[, token_type_ids]; output last_hidden_state).</param>
    /// <param name="tokenizer">The tokenizer (its max length should equal <see cref="FineTuneOptions.MaxLength"/>).</param>
    /// <param name="train">Training sentences.</param>
    /// <param name="valid">Validation sentences, or null.</param>
    /// <param name="options">The options.</param>
    /// <param name="progress">Receives a report after every step.</param>
    /// <param name="cancellationToken">Stops between steps (the last checkpoint stays valid for a resume).</param>
    /// <param name="epochs">Receives a report after every epoch (the record every trainer's options take).</param>
    /// <exception cref="ArgumentException">Empty data, labels outside [0, ClassCount), or invalid options.</exception>
    public static FineTuneResult Train(
        OnnxModel encoder,
        TextEncoderTokenizer tokenizer,
        IReadOnlyList<LabeledSentence> train,
        IReadOnlyList<LabeledSentence>? valid,
        FineTuneOptions options,
        IProgress<FineTuneProgress>? progress = null,
        CancellationToken cancellationToken = default,
        IProgress<EpochReport>? epochs = null)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        CheckLabels(train, options.ClassCount, nameof(train));
        if (valid is not null)
        {
            CheckLabels(valid, options.ClassCount, nameof(valid));
        }

        var settings = new SessionSettings { Device = options.Device, IntraOpThreads = options.IntraOpThreads };
        int stepsPerEpoch = (train.Count + options.BatchSize - 1) / options.BatchSize;
        int totalSteps = options.MaxSteps ?? (options.Epochs * stepsPerEpoch);
        var order = new EpochOrder(train.Count, options.Seed);
        LabeledBatch BatchAt(int step)
        {
            int[] perm = order.Permutation(step / stepsPerEpoch);
            int start = step % stepsPerEpoch * options.BatchSize;
            return LabeledBatch.Encode(tokenizer, perm.Skip(start).Take(options.BatchSize).Select(i => train[i]).ToArray());
        }

        // 1. The classifier to train: from the checkpoint folder when resuming, else initialised now.
        var initClock = Stopwatch.StartNew();
        OnnxModel classifier;
        bool resuming = FineTuneCheckpoint.Exists(options.CheckpointDirectory);
        if (resuming)
        {
            classifier = OnnxModelIO.Load(Path.Combine(options.CheckpointDirectory!, FineTuneCheckpoint.InitialModelFile));
        }
        else
        {
            LabeledBatch[] calibration = Enumerable.Range(0, Math.Min(options.CalibrationBatches, stepsPerEpoch)).Select(BatchAt).ToArray();
            try
            {
                classifier = FineTuneModels.Prepare(encoder, options, calibration, settings);
            }
            finally
            {
                Array.ForEach(calibration, b => b.Dispose());
            }

            if (options.CheckpointDirectory is not null)
            {
                FineTuneCheckpoint.SaveInitialModel(options.CheckpointDirectory, classifier);
            }
        }

        double initSeconds = resuming ? 0 : initClock.Elapsed.TotalSeconds;

        // 2. The train step (engine): loss, reverse-mode gradients and AdamW in one ONNX graph; the batch is padded to its
        //    longest row, so the sequence length changes per step and each step binds its own values.
        var clock = Stopwatch.StartNew();
        string[] trainables = [.. FineTuneModels.Trainables(classifier, options.Method)];
        int warmup = (int)Math.Round(options.WarmupRatio * totalSteps);
        var trainerOptions = new TrainerOptions
        {
            Schedule = FineTuneSchedules.ToLearningRateSchedule(options.Schedule, options.LearningRate, totalSteps, warmup),
            BatchInputs = BatchInputMode.PerStepValues,
            Seed = options.Seed,
            Session = settings,
            StateMemory = options.StateMemory,
        };
        using var trainer = new Trainer(BuildTrainingGraph(classifier, trainables, options), trainerOptions);
        var task = new TextTrainingTask(BatchAt);
        IProgress<StepReport>? steps = progress is null ? null : new InlineProgress<StepReport>(r => progress.Report(new FineTuneProgress(
            (int)r.Step, (int)r.TotalSteps, r.Epoch, (float)r.Outcome.Loss, (float)r.Outcome.BatchAccuracy, (float)r.LearningRate, r.StepsPerSecond, r.Eta)));
        TrainingRunResult run = TrainingRun.Run(trainer, task, new TrainingRunOptions
        {
            TotalSteps = totalSteps,
            StepsPerEpoch = stepsPerEpoch,
            CheckpointDirectory = options.CheckpointDirectory,
            CheckpointEvery = options.CheckpointEvery,
            CheckpointInterval = options.CheckpointInterval,
            Configuration = FineTuneRunConfiguration.Of(options, train),
        }, steps, epochs, cancellationToken);
        List<float> losses = [.. run.Losses.Select(l => (float)l)];

        double trainSeconds = clock.Elapsed.TotalSeconds;

        // 3. The trained classifier as plain inference ONNX.
        OnnxModel trained = classifier.Clone();
        foreach (string name in trainables)
        {
            trained.Graph.FindInitializer(name)!.ReplaceData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(trainer.GetState<float>(name).AsSpan()).ToArray());
        }

        trained.SetMetadata("pipelines.finetune.method", options.Method.ToString());
        ClassificationMetrics? metrics = valid is null ? null : TextClassifierEvaluator.Evaluate(trained, tokenizer, valid, settings: settings);
        long count = trainables.Sum(n => classifier.Graph.FindInitializer(n)!.ElementCount);
        return new FineTuneResult(trained, losses, count, initSeconds, trainSeconds, metrics) { OptimizerStateBytes = trainer.Graph.OptimizerStateBytes };
    }

    /// <summary>
    /// The engine's train step for <paramref name="classifier"/>: the weighted cross-entropy of
    /// <see cref="ClassifierLossGraph"/>, AdamW on <paramref name="trainables"/> with the head at
    /// <see cref="FineTuneOptions.HeadLearningRate"/> (an in-graph rate multiplier), weight decay on matrices only, and the
    /// logits as an extra output for the batch accuracy.
    /// </summary>
    internal static TrainingGraph BuildTrainingGraph(OnnxModel classifier, IReadOnlyList<string> trainables, FineTuneOptions options)
    {
        bool stableMax = options.Loss == ClassificationLoss.StableMax;
        OnnxModel lossModel = stableMax ? classifier : ClassifierLossGraph.Add(classifier, options.ClassWeights);
        double headScale = (options.HeadLearningRate ?? options.LearningRate) / (double)options.LearningRate;
        return TrainingGraphBuilder.Build(lossModel, new TrainingGraphOptions
        {
            Loss = stableMax
                ? new StableMaxCrossEntropyLoss(ClassifierGraph.LogitsOutput, ClassifierLossGraph.LabelsInput)
                : new ScalarOutputLoss(ClassifierLossGraph.LossOutput),
            Trainables = trainables,
            Optimizer = OptimizerKinds.Create(options.Optimizer, options.Beta1, options.Beta2, options.Epsilon, options.WeightDecay, options.OrthogonalGradient),
            LearningRateMultipliers = headScale == 1
                ? new Dictionary<string, double>()
                : trainables.Where(FineTuneModels.IsHead).ToDictionary(n => n, _ => headScale, StringComparer.Ordinal),
            WeightDecayParameters = [.. trainables.Where(n => classifier.Graph.FindInitializer(n)!.Dims.Length >= 2)],
            ExtraOutputs = [ClassifierGraph.LogitsOutput],
            FrozenWeights = options.FrozenPrecision,
            ActivationCheckpointing = options.ActivationCheckpointing,
        }, takeOwnership: true);
    }

    internal static float BatchAccuracy(ReadOnlySpan<float> logits, long[] labels)
    {
        int classes = logits.Length / labels.Length;
        int correct = 0;
        for (int r = 0; r < labels.Length; r++)
        {
            ReadOnlySpan<float> row = logits.Slice(r * classes, classes);
            int best = 0;
            for (int c = 1; c < classes; c++)
            {
                if (row[c] > row[best])
                {
                    best = c;
                }
            }

            correct += best == labels[r] ? 1 : 0;
        }

        return correct / (float)labels.Length;
    }

    private static void CheckLabels(IReadOnlyList<LabeledSentence> rows, int classes, string name)
    {
        if (rows.Count == 0)
        {
            throw new ArgumentException("The data set is empty.", name);
        }

        int bad = rows.ToList().FindIndex(r => r.Label < 0 || r.Label >= classes);
        if (bad >= 0)
        {
            throw new ArgumentException($"Row {bad} has label {rows[bad].Label}, outside [0, {classes}).", name);
        }
    }

    /// <summary>Text fine-tuning as a <see cref="TrainingRun"/> task: step k trains on the k-th batch of the seeded epoch order; no per-epoch validation (the classifier is validated once, after training).</summary>
    private sealed class TextTrainingTask(Func<int, LabeledBatch> batchAt) : ITrainingTask
    {
        public StepOutcome TrainStep(Trainer trainer, long step)
        {
            using LabeledBatch batch = batchAt((int)step);
            double loss = trainer.TrainStep(batch.Tensors);
            float accuracy = double.IsFinite(loss) ? BatchAccuracy(trainer.GetOutput(ClassifierGraph.LogitsOutput).ToArray<float>(), batch.Labels) : float.NaN;
            return new StepOutcome((float)loss, batch.Labels.Length, accuracy);
        }

        public double? Evaluate(Trainer trainer, int epoch) => null;
    }

    /// <summary>The seeded shuffle of each epoch (Fisher–Yates with seed + epoch), cached for the current epoch.</summary>
    private sealed class EpochOrder(int count, int seed)
    {
        private int _epoch = -1;
        private int[] _permutation = [];

        public int[] Permutation(int epoch)
        {
            if (epoch != _epoch)
            {
                var rng = new Random(unchecked(seed + (epoch * 7919)));
                _permutation = Enumerable.Range(0, count).ToArray();
                rng.Shuffle(_permutation);
                _epoch = epoch;
            }

            return _permutation;
        }
    }
}
