namespace Pipelines.Trainers;

/// <summary>
/// Reduce-on-plateau, the protocol of the GNN benchmarks (Dwivedi et al., "Benchmarking Graph Neural Networks": factor
/// 0.5, patience 10, stop at lr 1e-5 from 1e-3): the learning rate of the schedule is multiplied by
/// <paramref name="Factor"/> each time <paramref name="Patience"/> epochs end without a better validation metric (counted
/// from the best epoch or from the last reduction, whichever is later), and the run ends once the multiplier falls below
/// <paramref name="MinScale"/>. So a run stops when its validation metric has flattened, whatever the epoch cap.
/// </summary>
/// <remarks>
/// The multiplier is a function of the epoch reports alone (<see cref="Replay"/>): a resumed run recomputes it from its
/// checkpoint's reports, so the checkpoint format does not change and resume stays bit-identical.
/// </remarks>
/// <param name="Factor">Multiplier per reduction, in (0, 1).</param>
/// <param name="Patience">Epochs without improvement before a reduction (≥ 1).</param>
/// <param name="MinScale">The run ends when the multiplier falls below this, in (0, 1].</param>
public sealed record PlateauReduction(
    double Factor = PlateauReduction.Defaults.Factor,
    int Patience = PlateauReduction.Defaults.Patience,
    double MinScale = PlateauReduction.Defaults.MinScale)
{
    /// <summary>Default values (the benchmark protocol above), also those of <c>pipelines graph train --plateau</c>.</summary>
    public static class Defaults
    {
        /// <summary>Multiplier per reduction.</summary>
        public const double Factor = 0.5;

        /// <summary>Epochs without improvement before a reduction.</summary>
        public const int Patience = 10;

        /// <summary>The run ends below this multiplier (lr 1e-5 from 1e-3).</summary>
        public const double MinScale = 0.01;
    }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for invalid settings.</summary>
    public void Validate()
    {
        if (!(Factor > 0 && Factor < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Factor), Factor, "The plateau factor must lie in (0, 1).");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(Patience, 1, nameof(Patience));
        if (!(MinScale > 0 && MinScale <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(MinScale), MinScale, "The plateau's minimum scale must lie in (0, 1].");
        }
    }

    /// <summary>
    /// The learning-rate multiplier after the given epochs, and whether the run has ended (multiplier below
    /// <see cref="MinScale"/>). Epochs without a metric (no validation data) count as improvements, so such a run never
    /// reduces.
    /// </summary>
    /// <param name="reports">The epoch reports in order (<see cref="EpochReport.IsBest"/> marks an improvement).</param>
    public (double Scale, bool Ended) Replay(IReadOnlyList<EpochReport> reports)
    {
        ArgumentNullException.ThrowIfNull(reports);
        double scale = 1;
        int since = 0;
        foreach (EpochReport report in reports)
        {
            since = report.IsBest ? 0 : since + 1;
            if (since >= Patience)
            {
                scale *= Factor;
                since = 0;
                if (scale < MinScale)
                {
                    return (scale, true);
                }
            }
        }

        return (scale, false);
    }
}
