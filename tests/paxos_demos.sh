#!/bin/bash
echo "no paxos demos yet"
