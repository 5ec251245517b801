namespace Pipelines.Numerics.Topology;

/// <summary>A simplex of the implicit Rips complex: its diameter and its id in the combinatorial number system.</summary>
internal readonly record struct SimplexEntry(float Diameter, long Index)
{
    /// <summary>
    /// Filtration order used throughout: diameter ascending, ties broken by larger id first. Deterministic, and the
    /// order in which Ripser-style cofacet enumeration meets equal-diameter cofacets (descending ids).
    /// </summary>
    public static bool Before(SimplexEntry a, SimplexEntry b) => a.Diameter < b.Diameter || (a.Diameter == b.Diameter && a.Index > b.Index);
}

/// <summary>Sorts entries in reverse filtration order (the order cohomology reduces columns in).</summary>
internal readonly struct ReverseFiltrationComparer : IComparer<SimplexEntry>
{
    public int Compare(SimplexEntry x, SimplexEntry y)
    {
        if (x.Diameter != y.Diameter)
        {
            return x.Diameter > y.Diameter ? -1 : 1;
        }

        return x.Index.CompareTo(y.Index);
    }
}

/// <summary>Sorts entries in filtration order.</summary>
internal readonly struct FiltrationComparer : IComparer<SimplexEntry>
{
    public int Compare(SimplexEntry x, SimplexEntry y)
    {
        if (x.Diameter != y.Diameter)
        {
            return x.Diameter < y.Diameter ? -1 : 1;
        }

        return y.Index.CompareTo(x.Index);
    }
}

/// <summary>Binary min-heap of entries in filtration order (the working coboundary column over Z/2).</summary>
internal sealed class EntryHeap
{
    private SimplexEntry[] _items = new SimplexEntry[64];

    public int Count { get; private set; }

    public void Clear() => Count = 0;

    public void Push(SimplexEntry e)
    {
        if (Count == _items.Length)
        {
            Array.Resize(ref _items, _items.Length * 2);
        }

        int i = Count++;
        while (i > 0)
        {
            int p = (i - 1) >> 1;
            if (!SimplexEntry.Before(e, _items[p]))
            {
                break;
            }

            _items[i] = _items[p];
            i = p;
        }

        _items[i] = e;
    }

    public SimplexEntry Pop()
    {
        SimplexEntry top = _items[0];
        SimplexEntry last = _items[--Count];
        int i = 0;
        while (true)
        {
            int c = (2 * i) + 1;
            if (c >= Count)
            {
                break;
            }

            if (c + 1 < Count && SimplexEntry.Before(_items[c + 1], _items[c]))
            {
                c++;
            }

            if (!SimplexEntry.Before(_items[c], last))
            {
                break;
            }

            _items[i] = _items[c];
            i = c;
        }

        if (Count > 0)
        {
            _items[i] = last;
        }

        return top;
    }

    public SimplexEntry Peek() => _items[0];

    /// <summary>Removes cancelling pairs (Z/2) from the top and returns the pivot (kept in the heap), or null when the column is zero.</summary>
    public SimplexEntry? Pivot()
    {
        while (Count > 0)
        {
            SimplexEntry t = Pop();
            if (Count > 0 && Peek().Index == t.Index)
            {
                Pop();
                continue;
            }

            Push(t);
            return t;
        }

        return null;
    }
}
